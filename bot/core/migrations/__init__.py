"""Numbered SQL migrations (NNN_name.sql), in order; PRAGMA user_version is the last."""
