"""Operational metrics per school: bookings, weather conflicts, reschedules, the last sweep."""
