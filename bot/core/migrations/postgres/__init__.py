"""The same numbered migrations for PostgreSQL: one schema, in its types and triggers."""
