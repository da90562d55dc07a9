"""Booking policy: the soft rules a school sets to block, warn or off, and when lessons may happen."""
