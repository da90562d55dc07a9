"""The day's dispatch sheet: File › Print…, Print preview… and Export PDF….

One page set per day (the calendar's day), per aircraft: each lesson's times (school time, the
zone named), student, instructor, type, route, status, weather verdict and why; then the METAR,
TAF and a summary of every airport involved. The sheet is a ``QTextDocument`` built from
``sheet_html`` (all text escaped), so the same document prints, previews and becomes a PDF.

The day is read off the GUI thread (``load_dispatch_day``); the weather board's current reports
(``weather_reports``) replace the weather checks' where the board has them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer, QByteArray, QIODevice, QLocale, QMarginsF, QObject, QStandardPaths, Qt, Signal,
)
from PySide6.QtGui import (
    QAction, QFont, QKeySequence, QPageLayout, QPageSize, QPagedPaintDevice, QPdfWriter,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from app.models.dispatch_day import (
    AirportWeather, DispatchDay, load_dispatch_day, with_current_weather,
)
from app.models.labels import flight_type_label, status_label, verdict_label
from app.models.lessons import Lesson
from app.models.logbook import status_notes
from app.services.background import run_in_background
from app.services.replica import Replica
from app.views.plain_text import escape
from app.views.theme import category_style, status_style, verdict_style

__all__ = ["DispatchSheet", "sheet_document", "sheet_html", "pdf_bytes", "page_size"]

# None of the page's own: QTextDocument.print_ lays the sheet out with 2 cm margins of its own.
_MARGINS_MM = QMarginsF(0, 0, 0, 0)
_CSS = """
body { font-size: 9pt; color: #000000; }  /* paper is white, whatever the theme */
h1 { font-size: 15pt; margin: 0; }
h2 { font-size: 11pt; margin-top: 10px; margin-bottom: 3px; }
th { background-color: #e0e0e0; text-align: left; }
td, th { padding: 3px; vertical-align: top; }
.raw { font-family: monospace; font-size: 8pt; }
.muted { color: #555555; }
"""


def page_size() -> QPageSize:
    """Letter where the locale measures in inches (the US), A4 elsewhere."""
    imperial = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return QPageSize(QPageSize.PageSizeId.Letter if imperial else QPageSize.PageSizeId.A4)


def _zone_words(sheet: DispatchDay) -> str:
    noon = datetime.combine(sheet.day, time(12), sheet.timezone)
    return f"{sheet.timezone.key} ({noon:%Z})"


_TABLE = '<table border="1" cellspacing="0" cellpadding="3" width="100%">'


def _long_date(day: date) -> str:
    """ "Wednesday 2 December 2026" (no zero padding, on every platform)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _header(columns: Sequence[tuple[str, int]]) -> str:
    """A table's header row, repeated on every page the table runs over; the widths (percent)
    keep the tables of the sheet aligned."""
    return ("<thead><tr>" + "".join(f'<th width="{width}%">{escape(name)}</th>'
                                    for name, width in columns) + "</tr></thead>")


def _cell(text: object, *, css: str = "", cls: str = "") -> str:
    style = f' style="{css}"' if css else ""
    kind = f' class="{cls}"' if cls else ""
    return f"<td{kind}{style}>{escape(text)}</td>"


def _badge(style: Any, words: str) -> str:
    return (f'<td style="background-color: {style.fill.name()}; color: {style.text.name()};">'
            f"{escape(words)}</td>")


def _lesson_row(lesson: Lesson, sheet: DispatchDay) -> str:
    zone = sheet.timezone
    start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
    when = f"{start:%H:%M}–{end:%H:%M}"
    if start.date() != sheet.day or end.date() != sheet.day:  # across midnight: say which day
        when = f"{start:%a %H:%M}–{end:%a %H:%M}"
    route = lesson.departure + (f" → {lesson.destination}" if lesson.destination else "")
    # The status as the calendar shows it (flying, completed…): glyph and words on its tone,
    # then what the status alone does not say (checked out when, flown how long, why cancelled).
    state = status_style(lesson.shown_status)
    notes = [*status_notes(lesson, sheet.timezone),
             *(("change not yet sent",) if lesson.pending else ())]
    status = (f'<td style="background-color: {state.fill.name()}; color: {state.text.name()};">'
              f"{escape(state.glyph)} {escape(status_label(lesson.shown_status))}"
              + "".join(f"<br>{escape(note)}" for note in notes) + "</td>")
    reasons = "<br>".join(escape(reason) for reason in lesson.reasons if reason)
    return ("<tr>" + _cell(when, css="white-space: nowrap;") + _cell(lesson.student)
            + _cell(lesson.instructor or "— solo —")
            + _cell(flight_type_label(lesson.flight_type)) + _cell(route) + status
            + _badge(verdict_style(lesson.verdict), verdict_label(lesson.verdict))
            + f"<td>{reasons}</td></tr>")


def _weather_row(airport: AirportWeather) -> str:
    category = (_badge(category_style(airport.category), airport.category) if airport.category
                else _cell("—"))
    reports = "<br>".join(f'<span class="raw">{escape(raw)}</span>'
                          for raw in (airport.metar, airport.taf) if raw) or escape("no report")
    return ("<tr>" + _cell(airport.station) + category + f"<td>{reports}</td>"
            + _cell(airport.summary or "—") + _cell(airport.source, cls="muted") + "</tr>")


def sheet_html(sheet: DispatchDay) -> str:
    """The sheet as HTML for ``QTextDocument``; every text from the replica is escaped."""
    zone = _zone_words(sheet)
    parts = [
        f"<html><head><style>{_CSS}</style></head><body>",
        f"<h1>Dispatch sheet — {escape(sheet.school or 'the school')}</h1>",
        f"<p><b>{escape(_long_date(sheet.day))}</b> · all times in {escape(zone)} · "
        f'<span class="muted">printed {sheet.printed_at.day} '
        f'{escape(f"{sheet.printed_at:%b %Y %H:%M %Z}")}</span></p>',
    ]
    if not sheet.aircraft:
        parts.append("<p>No lessons this day.</p>")
    noon = datetime.combine(sheet.day, time(12), sheet.timezone)
    header = _header(((f"Time ({noon:%Z})", 11), ("Student", 12), ("Instructor", 12), ("Type", 9),
                      ("Route", 8), ("Status", 10), ("Weather", 9), ("Why", 29)))
    for plane in sheet.aircraft:
        parts.append(f"<h2>{escape(plane.label)}</h2>")
        parts.append(_TABLE + header)
        parts.extend(_lesson_row(lesson, sheet) for lesson in plane.lessons)
        parts.append("</table>")
    if sheet.idle_aircraft:
        parts.append(f'<p class="muted">No lessons: {escape(", ".join(sheet.idle_aircraft))}</p>')
    parts.append("<h2>Weather at the airports of the day</h2>")
    if sheet.weather:
        parts.append(_TABLE + _header((("Airport", 7), ("Category", 9), ("METAR / TAF", 48),
                                       ("Summary", 21), ("From", 15))))
        parts.extend(_weather_row(airport) for airport in sheet.weather)
        parts.append("</table>")
    else:
        parts.append("<p>No airports: no lessons this day.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def sheet_document(sheet: DispatchDay, *, parent: QObject | None = None) -> QTextDocument:
    document = QTextDocument(parent)
    font = QFont(document.defaultFont())
    font.setPointSizeF(9)
    document.setDefaultFont(font)
    document.setHtml(sheet_html(sheet))
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, _title(sheet))
    return document


def _title(sheet: DispatchDay) -> str:
    return f"Dispatch sheet {sheet.day:%Y-%m-%d} — {sheet.school}"


def _lay_out(device: QPagedPaintDevice) -> None:
    device.setPageLayout(QPageLayout(page_size(), QPageLayout.Orientation.Landscape, _MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))


def pdf_bytes(sheet: DispatchDay) -> bytes:
    """The sheet as a PDF (GUI thread: Qt's text layout)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(_title(sheet))
    writer.setCreator("Flight Schedule Pro Dispatcher")
    writer.setResolution(300)
    _lay_out(writer)
    document = sheet_document(sheet)
    document.print_(writer)
    del writer  # ends the PDF (its trailer is written when the writer goes)
    buffer.close()
    data: QByteArray = buffer.data()
    return bytes(data.data())


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` or leave it as it was: a temporary file, then a rename."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class DispatchSheet(QObject):
    """The File menu's sheet actions (``actions``).

    Signals:
        ready(object): the ``DispatchDay`` read for the last command (before printing).
        exported(str): the PDF was written (its path).
        failed(str): the sheet could not be read or written; the message says what to do.
        message(str, int): a status-bar line and how long to show it (ms).
    """

    ready = Signal(object)
    exported = Signal(str)
    failed = Signal(str)
    message = Signal(str, int)

    def __init__(self, *, replica: Replica, day: Callable[[], date],
                 weather_reports: Callable[[], Sequence[dict[str, Any]]] = lambda: (),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 choose_path: Callable[[str], str] | None = None, parent: QWidget) -> None:
        """``day``: the day to print (the calendar's); ``choose_path(suggested)``: where to save
        the PDF ("" to give up), by default a save dialog."""
        super().__init__(parent)
        self._replica = replica
        self._day = day
        self._weather_reports = weather_reports
        self._clock = clock
        self._window = parent
        self.choose_path = choose_path or self._ask_path
        self.document: QTextDocument | None = None  # the last one printed or previewed
        self.preview_dialog: QPrintPreviewDialog | None = None
        self.print_dialog: QPrintDialog | None = None

        self.print_action = QAction("&Print dispatch sheet…", parent)
        self.print_action.setShortcuts(QKeySequence.StandardKey.Print)
        self.print_action.setToolTip("The calendar's day per aircraft, with the airports' weather")
        self.print_action.triggered.connect(lambda: self.print_sheet())
        self.preview_action = QAction("Print pre&view…", parent)
        self.preview_action.triggered.connect(lambda: self.preview())
        self.export_action = QAction("&Export dispatch sheet as PDF…", parent)
        self.export_action.triggered.connect(lambda: self.export_pdf())

    def actions(self) -> list[QAction]:
        return [self.print_action, self.preview_action, self.export_action]

    # -- reading ---------------------------------------------------------------------------

    def read(self, then: Callable[[DispatchDay], None]) -> None:
        """Read the day (in the background), then ``then(sheet)`` on the GUI thread."""
        replica, day, now = self._replica, self._day(), self._clock()

        def done(sheet: DispatchDay) -> None:
            sheet = with_current_weather(sheet, self._weather_reports())
            self.ready.emit(sheet)
            then(sheet)

        def failed(error: Exception) -> None:
            self._fail(f"Could not read the day's lessons for the dispatch sheet: {error}")

        self.message.emit(f"Preparing the dispatch sheet of {day:%a %d %b}…", 5_000)
        run_in_background(lambda: load_dispatch_day(replica, day, now=now), done, failed,
                          owner=self)

    def _fail(self, text: str) -> None:
        self.message.emit(text, 30_000)
        self.failed.emit(text)

    # -- PDF -------------------------------------------------------------------------------

    def export_pdf(self, path: str | os.PathLike[str] | None = None) -> None:
        """Write the day's sheet as a PDF at ``path`` (None: ask where first)."""
        if path is None:
            chosen = self.choose_path(self._suggested_path())
            if not chosen:
                return
            path = chosen
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        self.read(lambda sheet: self._write(sheet, target))

    def _write(self, sheet: DispatchDay, target: Path) -> None:
        try:
            _write_whole(target, pdf_bytes(sheet))
        except OSError as error:
            self._fail(f"Could not save the dispatch sheet as {target}: {error.strerror or error}."
                       " Choose another folder, or free some space, and export again.")
            return
        self.message.emit(f"Dispatch sheet of {sheet.day:%a %d %b} saved as {target}.", 15_000)
        self.exported.emit(str(target))

    def _suggested_path(self) -> str:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        return str(Path(folder) / f"dispatch-sheet-{self._day():%Y-%m-%d}.pdf")

    def _ask_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self._window, "Export dispatch sheet as PDF",
                                                    suggested, "PDF documents (*.pdf)")
        return path

    # -- printing --------------------------------------------------------------------------

    @staticmethod
    def _printer(sheet: DispatchDay) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setDocName(_title(sheet))
        return printer

    def _open_dialog(self) -> QDialog | None:
        return self.print_dialog or self.preview_dialog

    def print_sheet(self) -> None:
        """The print dialog for the day's sheet; printing once it is accepted."""
        if self._open_dialog() is not None:
            self._open_dialog().raise_()  # one at a time: it prints the day it was opened for
            return
        self.read(self._open_print_dialog)

    def _open_print_dialog(self, sheet: DispatchDay) -> None:
        if self._open_dialog() is not None:
            return
        printer = self._printer(sheet)
        self.document = document = sheet_document(sheet, parent=self)
        dialog = QPrintDialog(printer, self._window)
        dialog.setWindowTitle(f"Print the dispatch sheet of {sheet.day:%a %d %b}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The dialog only points at its printer: the connection keeps the printer alive as long.
        dialog.accepted.connect(lambda: document.print_(printer))
        dialog.finished.connect(lambda *_: setattr(self, "print_dialog", None))
        self.print_dialog = dialog
        dialog.open()

    def preview(self) -> None:
        """The day's sheet in a print preview (which can print it too)."""
        if self._open_dialog() is not None:
            self._open_dialog().raise_()
            return
        self.read(self._open_preview)

    def _open_preview(self, sheet: DispatchDay) -> None:
        if self._open_dialog() is not None:
            return
        printer = self._printer(sheet)
        self.document = document = sheet_document(sheet, parent=self)
        dialog = QPrintPreviewDialog(printer, self._window)
        dialog.setWindowTitle(f"Dispatch sheet of {_long_date(sheet.day)}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.paintRequested.connect(lambda device: document.print_(device))
        # The dialog only points at its printer: this keeps it until the dialog is gone.
        dialog.destroyed.connect(lambda *_: printer.docName())
        dialog.finished.connect(lambda *_: setattr(self, "preview_dialog", None))
        self.preview_dialog = dialog
        dialog.open()
