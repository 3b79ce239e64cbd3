"""baas: a self-hostable Backend-as-a-Service on PostgreSQL, wire-compatible with PocketBase."""

__all__ = ["__version__"]

__version__ = "0.1.0"
