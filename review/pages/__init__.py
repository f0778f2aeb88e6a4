"""The workspace's request handlers, one module a part of the site; `review.web.ROUTES` maps each
to its path and least role."""
