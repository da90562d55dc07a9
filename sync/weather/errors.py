"""Errors of the weather domain, one hierarchy, so callers catch ``WeatherError`` at the edge."""


class WeatherError(Exception):
    """Something about weather data went wrong."""


class WeatherUnavailable(WeatherError):
    """The weather source could not be reached or answered with an error."""


class WeatherUnreadable(WeatherError):
    """A report or a response could not be decoded."""


class UnknownStation(WeatherError):
    """The station identifier is not a reporting station the engine knows."""
