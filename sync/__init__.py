"""The sync service: the shared database, the weather engine, sweeps, rescheduling and mail."""
