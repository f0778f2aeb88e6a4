"""Storage: what the helpline keeps, and the redaction that runs before anything is kept."""
