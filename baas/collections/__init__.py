"""Collections: the schema model, field types, validation, table DDL, the registry cache."""
