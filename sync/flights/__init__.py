"""Lessons (flights) and the weather checks recorded against them.

``WeatherCheck`` is stored here rather than in ``sync.weather``: the weather package is the pure
decision engine (reports in, verdict out, no database), and a stored check is a fact about a lesson.
"""
