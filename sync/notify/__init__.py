"""Mail: the outbox written with each decision, and the senders that deliver it."""
