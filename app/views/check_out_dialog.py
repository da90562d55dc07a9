"""Lesson › Check out… (and a lesson's context menu): the aircraft taken out for a lesson, its
Hobbs and tach as read before the flight, prefilled with what its last check-in left. Recorded by
the service at once (``POST /flights/{id}/check-out``); the lesson then shows as flying."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from app.models.lessons import Lesson, parse_time
from app.models.logbook import MeterForm, Problem, check_out_problems
from app.views.logbook_dialog import LogbookDialog, meter_box
from app.views.plain_text import make_plain
from app.views.theme import muted_text

__all__ = ["CheckOutDialog"]


class CheckOutDialog(LogbookDialog):
    """Hobbs out and tach out; a reading below the aircraft's meters is refused here already
    (meters do not run backwards), one far above them asks "The readings are right"."""

    action_text = "Check &out"
    what = "check-out"

    def __init__(self, *, lesson: Lesson, form: MeterForm, zone: tzinfo,
                 send: Callable[[dict[str, Any]], dict[str, Any]] | None, offline: bool = False,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(lesson=lesson, form=form, zone=zone, send=send, offline=offline,
                         clock=clock, parent=parent)
        self.setWindowTitle(f"Check out {form.aircraft.tail}")
        plane = form.aircraft
        self.hobbs_out = meter_box(plane.hobbs, decimals=1, parent=self)
        self.tach_out = meter_box(plane.tach, decimals=2, parent=self)
        self.hobbs_out.setAccessibleName("Hobbs out, hours")
        self.tach_out.setAccessibleName("Tach out, hours")
        self.meters_label = QLabel(
            f"{plane.tail} showed Hobbs {plane.hobbs:g} h and tach {plane.tach:g} h at its last "
            "check-in. Read the meters in the aircraft and correct them if they differ.", self)
        self.meters_label.setWordWrap(True)
        self.meters_label.setStyleSheet(f"color: {muted_text(self.palette()).name()};")
        make_plain(self.meters_label)
        layout = QFormLayout()
        hobbs_label = QLabel("&Hobbs out", self)
        hobbs_label.setBuddy(self.hobbs_out)
        tach_label = QLabel("&Tach out", self)
        tach_label.setBuddy(self.tach_out)
        layout.addRow(hobbs_label, self.hobbs_out)
        layout.addRow(tach_label, self.tach_out)
        layout.addRow(self.meters_label)
        for box in (self.hobbs_out, self.tach_out):
            box.valueChanged.connect(lambda _value: self._validate())
        self._lay_out(layout)
        self.hobbs_out.setFocus()
        self.hobbs_out.selectAll()

    def problems(self) -> list[Problem]:
        return check_out_problems(hobbs_out=self.hobbs_out.value(),
                                  tach_out=self.tach_out.value(), aircraft=self._form.aircraft)

    def body(self) -> dict[str, Any]:
        return {"hobbs_out": round(self.hobbs_out.value(), 1),
                "tach_out": round(self.tach_out.value(), 2)}

    def describe_recorded(self, lesson: dict[str, Any]) -> str:
        at = lesson.get("checked_out_at")
        when = f" at {parse_time(at).astimezone(self._zone):%H:%M %Z}" if at else ""
        return (f"Checked out {self._form.aircraft.tail} for {self._lesson.student}'s lesson{when}: "
                f"Hobbs {lesson.get('hobbs_out', self.hobbs_out.value()):g}, tach "
                f"{lesson.get('tach_out', self.tach_out.value()):g}. Check it in after the flight.")
