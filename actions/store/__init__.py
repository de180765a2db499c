"""Persistence used by the actions server (SQLAlchemy 1.4, 2.0 style)."""
