"""Lesson › Check in… (and a lesson's context menu): the lesson flown — Hobbs and tach in, the
times actually flown, remarks — and, for a lesson that was not checked out, the readings out as
well. The flown time (Hobbs in − out) shows as it is typed. Recorded by the service at once
(``POST /flights/{id}/check-in``): the lesson becomes COMPLETED and the aircraft's meters advance.

Times are the school's, to the minute. Left as prefilled, the exact moments are the service's:
the start is the check-out (else the booked start), the end "now" while the booked end is still
ahead (else the booked end)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit,
                               QWidget)

from app.models.lessons import Lesson
from app.models.logbook import MeterForm, Problem, check_in_problems, flown_words
from app.views.logbook_dialog import LogbookDialog, meter_box
from app.views.plain_text import make_plain
from app.views.theme import muted_text

__all__ = ["CheckInDialog", "MAX_REMARKS"]

MAX_REMARKS = 2000  # the service's bound


class CheckInDialog(LogbookDialog):
    """Hobbs and tach in (and out, when not checked out), actual start and end, remarks."""

    action_text = "Check &in"
    what = "check-in"

    def __init__(self, *, lesson: Lesson, form: MeterForm, zone: tzinfo,
                 send: Callable[[dict[str, Any]], dict[str, Any]] | None, offline: bool = False,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(lesson=lesson, form=form, zone=zone, send=send, offline=offline,
                         clock=clock, parent=parent)
        self.setWindowTitle(f"Check in {form.aircraft.tail}")
        plane = form.aircraft
        self.out_recorded = form.checked_out_at is not None and form.hobbs_out is not None \
            and form.tach_out is not None
        layout = QFormLayout()
        muted = f"color: {muted_text(self.palette()).name()};"
        self.hobbs_out = self.tach_out = None
        if self.out_recorded:
            assert form.checked_out_at is not None
            taken = form.checked_out_at.astimezone(zone)
            self.out_label = QLabel(
                f"Hobbs {form.hobbs_out:g} h, tach {form.tach_out:g} h (checked out "
                f"{taken:%a %H:%M %Z})", self)
            make_plain(self.out_label)
            layout.addRow("Out", self.out_label)
            hobbs, tach = float(form.hobbs_out or 0), float(form.tach_out or 0)
        else:
            self.out_label = QLabel(
                "Not checked out: read the meters out from the logbook too. "
                f"{plane.tail} showed Hobbs {plane.hobbs:g} h and tach {plane.tach:g} h at its "
                "last check-in.", self)
            self.out_label.setWordWrap(True)
            self.out_label.setStyleSheet(muted)
            make_plain(self.out_label)
            self.hobbs_out = meter_box(plane.hobbs, decimals=1, parent=self)
            self.tach_out = meter_box(plane.tach, decimals=2, parent=self)
            self.hobbs_out.setAccessibleName("Hobbs out, hours")
            self.tach_out.setAccessibleName("Tach out, hours")
            layout.addRow(self.out_label)
            layout.addRow(self._buddy("Hobbs &out", self.hobbs_out), self.hobbs_out)
            layout.addRow(self._buddy("Tach o&ut", self.tach_out), self.tach_out)
            hobbs, tach = plane.hobbs, plane.tach
        self.hobbs_in = meter_box(hobbs, decimals=1, parent=self)
        self.tach_in = meter_box(tach, decimals=2, parent=self)
        self.hobbs_in.setAccessibleName("Hobbs in, hours")
        self.tach_in.setAccessibleName("Tach in, hours")
        layout.addRow(self._buddy("&Hobbs in", self.hobbs_in), self.hobbs_in)
        layout.addRow(self._buddy("&Tach in", self.tach_in), self.tach_in)
        self.flown_label = QLabel(self)
        self.flown_label.setObjectName("flown")
        self.flown_label.setStyleSheet("font-weight: 600;")
        make_plain(self.flown_label)
        layout.addRow("Flown", self.flown_label)

        # The prefilled times, exact: sent only when the person changed what they show.
        now = clock()
        self._start_exact = form.checked_out_at or form.start
        self._end_is_now = now < form.end
        self._end_exact = None if self._end_is_now else form.end
        self.start_edit = self._time_edit(self._start_exact)
        self.end_edit = self._time_edit(now if self._end_is_now else form.end)
        self.start_edit.setAccessibleName("Actual start")
        self.end_edit.setAccessibleName("Actual end")
        self._shown_start = self._shown(self.start_edit)
        self._shown_end = self._shown(self.end_edit)
        zone_name = f"{self._start_exact.astimezone(zone):%Z}"
        for text, edit in (("Actual &start", self.start_edit), ("Actual &end", self.end_edit)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(QLabel(zone_name, self))
            layout.addRow(self._buddy(text, edit), row)
        self.remarks = QPlainTextEdit(self)
        self.remarks.setPlaceholderText("Remarks (squawks, what was flown…) — optional")
        self.remarks.setAccessibleName("Remarks")
        self.remarks.setTabChangesFocus(True)
        self.remarks.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        layout.addRow(self._buddy("&Remarks", self.remarks), self.remarks)

        boxes = [self.hobbs_in, self.tach_in]
        if self.hobbs_out is not None and self.tach_out is not None:
            boxes += [self.hobbs_out, self.tach_out]
        for box in boxes:
            box.valueChanged.connect(lambda _value: self._validate())
        for edit in (self.start_edit, self.end_edit):
            edit.dateTimeChanged.connect(lambda _value: self._validate())
        self.remarks.textChanged.connect(self._validate)
        self._lay_out(layout)
        (self.hobbs_out if self.hobbs_out is not None else self.hobbs_in).setFocus()
        self.hobbs_in.selectAll()

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(widget)
        return label

    def _time_edit(self, moment: datetime) -> QDateTimeEdit:
        local = moment.astimezone(self._zone)
        edit = QDateTimeEdit(QDateTime(QDate(local.year, local.month, local.day),
                                       QTime(local.hour, local.minute)), self)
        edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
        edit.setCalendarPopup(True)
        return edit

    def _shown(self, edit: QDateTimeEdit) -> datetime:
        """What ``edit`` shows, as an aware UTC time (its fields are the school's time)."""
        value = edit.dateTime()
        day, clock = value.date(), value.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(),
                        tzinfo=self._zone).astimezone(UTC)

    # -- what was typed -------------------------------------------------------------------------

    def readings_out(self) -> tuple[float, float]:
        if self.hobbs_out is not None and self.tach_out is not None:
            return self.hobbs_out.value(), self.tach_out.value()
        return float(self._form.hobbs_out or 0), float(self._form.tach_out or 0)

    def actual_times(self) -> tuple[datetime, datetime]:
        """(start, end) as judged: the exact prefilled moments where left as they were, "now"
        for an end left at now."""
        shown_start, shown_end = self._shown(self.start_edit), self._shown(self.end_edit)
        start = self._start_exact if shown_start == self._shown_start else shown_start
        if shown_end != self._shown_end:
            end = shown_end
        else:
            end = self._clock() if self._end_is_now else (self._end_exact or shown_end)
        return start, end

    def problems(self) -> list[Problem]:
        hobbs_out, tach_out = self.readings_out()
        started, ended = self.actual_times()
        found = check_in_problems(
            hobbs_out=hobbs_out, tach_out=tach_out, hobbs_in=self.hobbs_in.value(),
            tach_in=self.tach_in.value(), started=started, ended=ended, now=self._clock(),
            aircraft=self._form.aircraft, out_recorded=self.out_recorded,
            show_time=lambda moment: f"{moment.astimezone(self._zone):%a %H:%M}")
        length = len(self.remarks.toPlainText().strip())
        if length > MAX_REMARKS:
            found.insert(0, Problem("remarks", f"The remarks are {length} characters long: "
                                               f"{MAX_REMARKS} at most."))
        self._show_flown(hobbs_out, tach_out)
        return found

    def _show_flown(self, hobbs_out: float, tach_out: float) -> None:
        tach = self.tach_in.value() - tach_out
        self.flown_label.setText(f"{flown_words(hobbs_out, self.hobbs_in.value())} · tach "
                                 f"{tach:.2f} h")

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"hobbs_in": round(self.hobbs_in.value(), 1),
                                "tach_in": round(self.tach_in.value(), 2),
                                "remarks": self.remarks.toPlainText().strip()}
        if self.hobbs_out is not None and self.tach_out is not None:
            data["hobbs_out"] = round(self.hobbs_out.value(), 1)
            data["tach_out"] = round(self.tach_out.value(), 2)
        shown_start, shown_end = self._shown(self.start_edit), self._shown(self.end_edit)
        if shown_start != self._shown_start:
            data["actual_start_at"] = shown_start
        if shown_end != self._shown_end:
            data["actual_end_at"] = shown_end
        elif not self._end_is_now and self._end_exact is not None:
            data["actual_end_at"] = self._end_exact  # (the service's default would be now)
        return data

    def describe_recorded(self, lesson: dict[str, Any]) -> str:
        flown = lesson.get("flown_hours")
        hours = f", {float(flown):.1f} h flown" if flown is not None else ""
        return (f"Checked in {self._lesson.student}'s lesson: completed{hours}; "
                f"{self._form.aircraft.tail} now shows Hobbs {lesson.get('hobbs_in'):g} h.")
