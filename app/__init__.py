"""The desktop client (PySide6). Talks to the sync service only over HTTP."""
