"""The hourly sweep: every upcoming lesson checked against the weather for its window."""
