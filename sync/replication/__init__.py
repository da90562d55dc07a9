"""Replication to the desktops: pull by server_seq cursor, push of idempotent mutations."""
