"""Schools: the tenant every other row belongs to, with its airport, hours and weather rules."""
