"""Rescheduling: the request opened by a weather cancellation and the options it offers."""
