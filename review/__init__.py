"""The conversation-review web workspace: `helpline review` (see README, "Review workspace").

Roles: a *reviewer* reads conversations and works the NLU inbox; a *supervisor* also sees the
statistics (and their CSV), exports the annotated NLU examples, the retention view and the audit
log. Every opened conversation is written to the audit log.
"""

ROLES = ("reviewer", "supervisor")
