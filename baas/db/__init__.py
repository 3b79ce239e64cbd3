"""Database access: engine, embedded PostgreSQL, system tables, migrations, change notifications."""
