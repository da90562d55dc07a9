"""The school's aircraft."""
