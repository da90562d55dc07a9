"""Alembic's script directory: one history that builds the same schema on SQLite and PostgreSQL.

Configured in code (``sync.database.migrations``), not by an alembic.ini, so it works from an
installed package. Revision files are named ``YYYY_MM_DD_NNNN_slug.py`` with ``NNNN`` the
revision id; create one with ``fsp-sync db revision -m "what changes"``.
"""
