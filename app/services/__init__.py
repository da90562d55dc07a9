"""The desktop's client side, free of widgets: everything here is usable without a window.

- ``api_client.ApiClient``: HTTP to the sync service; errors ``ApiError`` → ``Offline``,
  ``Unauthorized``, ``Refused``, ``ServerError``.
- ``credentials.KeyringTokenStore``: the refresh token in the OS keyring.
- ``replica.Replica``: the local SQLite replica, outbox and overlay of unsent edits.
- ``sync_engine.SyncEngine``: one push-then-pull round (pure Python).
- ``sync_loop.SyncLoop``: the engine on a QThreadPool and a timer, results as Qt signals.

Everything that touches the network or the disk blocks: views reach it through ``SyncLoop`` (or
another worker), never on the GUI thread.
"""
