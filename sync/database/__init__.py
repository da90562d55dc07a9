"""The database layer: base and mixins (``core``), engines and sessions (``session``), the sync
counter (``server_seq``) and schema migrations (``migrations``)."""

# Imported for its side effect: the before_flush hook that stamps every synced write with a
# server_seq must be active wherever a model is used, not only where a session is built here.
from sync.database import server_seq as _server_seq  # noqa: F401
