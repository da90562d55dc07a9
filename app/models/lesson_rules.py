"""The desk's own checks of a lesson's who and where, before anything is sent — pure Python.

The lesson editor and the weekly-series dialog check the same things as the person types (a red
line under the form; Save stays disabled), so only plausible bookings reach the service, whose
rules (clashes, qualifications, the school's policy) are the ones that count.
"""

from __future__ import annotations

import re

from app.models.labels import flight_type_label

__all__ = ["SOLO_TEXT", "booking_problem", "is_icao"]

# What the instructor choice says for "no instructor" (a solo lesson).
SOLO_TEXT = "— solo —"
_ICAO = re.compile(r"^[A-Z0-9]{4}$")


def is_icao(code: str) -> bool:
    return bool(_ICAO.match(code))


def booking_problem(*, student_id: str | None, aircraft_id: str | None, flight_type: str | None,
                    instructor_id: str | None, departure: str,
                    destination: str) -> tuple[str, str] | None:
    """The first thing wrong with a booking's people, aircraft and airports: (field, message)
    with the field named as the service names it, or None."""
    if student_id is None:
        return "student_id", "Choose the student."
    if aircraft_id is None:
        return "aircraft_id", "Choose the aircraft."
    if flight_type == "SOLO" and instructor_id is not None:
        return "instructor_id", (f"A solo lesson has no instructor: choose “{SOLO_TEXT}” or "
                                 "another flight type.")
    if flight_type != "SOLO" and instructor_id is None:
        name = flight_type_label(flight_type).lower()
        return "instructor_id", f"A {name} lesson needs an instructor: choose one."
    departure = departure.strip()
    if not departure:
        return "departure", "Enter the departure airport (its ICAO code, e.g. KAUS)."
    if not is_icao(departure):
        return "departure", (f"“{departure}” is not an ICAO code: four letters or digits, "
                             "e.g. KAUS.")
    destination = destination.strip()
    if destination and not is_icao(destination):
        return "destination", (f"“{destination}” is not an ICAO code: four letters or "
                               "digits, e.g. KGTU.")
    if flight_type == "CROSS_COUNTRY" and not destination:
        return "destination", "A cross-country lesson needs a destination airport."
    return None
