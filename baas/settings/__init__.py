"""Runtime settings (``/api/settings``): stored in the database, cached per process."""
