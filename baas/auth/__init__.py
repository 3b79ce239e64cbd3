"""Authentication: password hashing, tokens, the auth endpoints."""
