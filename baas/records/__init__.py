"""Records: the generic CRUD API over collection tables."""
