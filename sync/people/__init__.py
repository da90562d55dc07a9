"""The people a school schedules: students and instructors, their availability and limits."""
