"""``fsp``: the desktop app's entry point.

- ``fsp --demo``: the service in-process over a demo school, then the main window signed in as
  the demo dispatcher.
- ``fsp --screenshot PATH [--size WxH] [--theme light|dark] [--panel PANEL] [--date YYYY-MM-DD]``:
  the same demo, rendered once into a PNG of that size (default 1400x800), then exit (works with
  ``QT_QPA_PLATFORM=offscreen``). ``--panel``: ``week`` or ``day`` (the calendar), ``review`` (the
  reschedule review on the first open request), ``alerts`` (the weather alert dialog of the first
  weather alert, over the window), ``weather`` (the weather board, large), ``metrics`` (the
  metrics raised), ``legend`` (View › Legend over the window), ``sheet`` (the day's dispatch
  sheet, as File › Print preview… shows it, over the window).
- ``--theme light|dark``: the Fusion style with a light or dark palette; without it the app
  follows the system's colour scheme (screenshots: light).
- plain ``fsp``: sign in to a school's own server (a dialog; with "remember me" the refresh token
  goes to the OS keyring and the next start signs in silently), then the main window.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (imported where used: a first demo starts preparing before they load)
    from app.services.sign_in import DesktopSession

__all__ = ["main", "choose_start"]

ORGANISATION = "fsp-dispatcher"
APPLICATION = "Flight Schedule Pro Dispatcher"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


PANELS = ("week", "day", "review", "alerts", "weather", "metrics", "legend", "sheet")
DEFAULT_SIZE = (1400, 800)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: use WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text!r}: a size from 320x240 to 7680x4320, please")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fsp", description="The Flight Schedule Pro Dispatcher desktop.")
    parser.add_argument("--demo", action="store_true",
                        help="run the service in-process with the demo school and sign in to it")
    parser.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="render the main window (of the demo) into a PNG and exit")
    parser.add_argument("--view", choices=("week", "day"), help="the calendar view to open")
    parser.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="the day to show")
    parser.add_argument("--panel", choices=PANELS,
                        help="with --screenshot: what to show — week or day (the calendar), "
                             "review (the reschedule review on the first open request), alerts "
                             "(the weather alert dialog of the first weather alert), weather (the "
                             "weather board), metrics, legend, sheet (the day's dispatch "
                             "sheet in its print preview)")
    parser.add_argument("--size", type=_size, default=DEFAULT_SIZE, metavar="WxH",
                        help="with --screenshot: the picture's size in pixels (default 1400x800)")
    parser.add_argument("--theme", choices=("light", "dark"),
                        help="the Fusion style with a light or dark palette (default: follow the "
                             "system; screenshots: light)")
    parser.add_argument("--data-dir", type=Path, metavar="FOLDER",
                        help="where the local replica (and for the demo: its database and mail "
                             "outbox) live (default: the user data folder)")
    return parser


def _start_demo(folder: Path | None, *,
                sweep_on_start: bool = True) -> tuple[object, DesktopSession]:
    """Blocking: the embedded service, a sign-in, the replica and a first sync. With
    ``sweep_on_start=False`` a fresh demo's first weather sweep is the caller's
    (``server.sweep_now()``, see ``FirstSweep``)."""
    from app.services.api_client import ApiClient
    from app.services.embedded_server import EmbeddedServer
    from app.services.sign_in import open_session

    # No password: the desktop is signed in within the process (no argon2 at start).
    server = EmbeddedServer(folder=folder, sweep_on_start=sweep_on_start,
                            dispatcher_password=False)
    url, _email, _password = server.start()
    try:
        client = ApiClient(base_url=url)
        client.adopt(server.desktop_session())
        if server.seeded_now:  # a fresh demo database: older replicas belong to another school
            for stale in server.folder.glob("replica-*.sqlite3*"):
                stale.unlink()
        session = open_session(client, server.folder)
    except Exception:
        server.stop()
        raise
    return server, session


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--prepare-demo"]:
        # The frozen app, started by itself to prepare a first demo aside (no window, no Qt):
        # app.services.embedded_server.PreparingDemo. As that program, it ends at once.
        from app.services.embedded_server import prepare_as_program, prepare_main

        if argv is None:
            prepare_as_program(arguments)  # (ends the process)
        return prepare_main(arguments)
    args = build_parser().parse_args(arguments)
    demo_mode = bool(args.demo or args.screenshot)
    if args.panel in ("week", "day") and args.view is None:
        args.view = args.panel
    # A first `fsp --demo` (no demo database yet) makes the demo and its replica in a process of
    # its own, started before anything else loads, while this one loads the window's modules
    # (app.services.embedded_server, ``PreparingDemo``); then it goes on as a repeat start, the
    # first sweep after the service.
    first_demo = bool(args.demo and not args.screenshot) and not _has_demo(args.data_dir)
    child = _start_preparing(args.data_dir) if first_demo else None

    from PySide6.QtCore import QCoreApplication, QSettings, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.services.background import run_in_background

    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # A repeat `fsp --demo` shows the last replica at once and starts its service after
    # (app.services.demo_resume). Otherwise the demo's service starts before the window's modules
    # load: its database and sign-in (SQLite and argon2 let go of the GIL) overlap with them. A
    # screenshot waits for the first weather sweep; `fsp --demo` shows the week first and sweeps
    # then (``_sweep_once_shown``).
    # (The prepared demo is opened in the background too: its replica and client, as resumed.)
    preparing = run_in_background(
        lambda: (child.wait(), _resume_demo(args.data_dir))[1]) if child is not None else None
    resumed = (_resume_demo(args.data_dir)
               if args.demo and not args.screenshot and not first_demo else None)
    demo_start = run_in_background(
        lambda: _start_demo(args.data_dir, sweep_on_start=bool(args.screenshot))
    ) if demo_mode and resumed is None and preparing is None else None

    from app.services import sign_in as sign_in_service
    from app.services.sync_loop import SyncLoop
    from app.views.main_window import MainWindow
    from app.views.plain_text import make_plain_box
    from app.views.sign_in_dialog import SignInDialog

    app.setQuitOnLastWindowClosed(False)  # the sign-in dialog closes before the window opens
    icon = QIcon(str(_application_icon()))
    vector = _application_icon().with_suffix(".svg")
    if vector.is_file():  # drawn at whatever size and pixel ratio the screen asks: crisp on HiDPI
        icon.addFile(str(vector))
    app.setWindowIcon(icon)
    from app.views.theme import apply_color_scheme

    # Screenshots look the same on every machine: light unless asked otherwise.
    apply_color_scheme(app, args.theme or ("light" if args.screenshot else "system"))
    settings = QSettings()
    state: dict[str, object] = {"status": 0}

    def fail(error: Exception) -> None:
        message = f"The demo could not start: {error}" if demo_mode else f"Could not open: {error}"
        print(f"fsp: {message}", file=sys.stderr)
        if not args.screenshot:
            box = QMessageBox(QMessageBox.Icon.Critical, APPLICATION, message)
            make_plain_box(box).exec()
        state["status"] = 1
        app.quit()

    def demo_started(result: tuple[object, DesktopSession]) -> None:
        state["server"] = result[0]
        show_window(result[1])

    def show_window(session: DesktopSession, fetch_weather: object | None = None) -> None:
        state["session"] = session
        loop = SyncLoop(engine=session.engine)
        window = MainWindow(sync_loop=loop, replica=session.replica, user_email=session.email,
                            client=session.client, fetch_weather=fetch_weather, mode=args.view,
                            restore_layout=not args.screenshot,
                            day=args.date,
                            role="" if demo_mode else str(settings.value("signin/role", "")))
        state["loop"], state["window"] = loop, window
        if args.screenshot:
            window.resize(*args.size)
            # After the calendar and the first weather reports (or their failure) are shown.
            extra = {"review": "review", "alerts": "alerts", "metrics": "metrics",
                     "sheet": "sheet"}.get(args.panel)
            pending = {"loaded", "weather"} | ({extra} if extra else set())

            def ready(part: str) -> None:
                pending.discard(part)
                if not pending:
                    QTimer.singleShot(300, save_screenshot)

            window.loaded.connect(lambda: ready("loaded"))
            if args.panel == "review":
                _show_review_for_screenshot(window, ready)
            elif args.panel == "alerts":
                _show_alert_for_screenshot(window, ready, state)
            elif args.panel == "metrics":
                _show_metrics_for_screenshot(window, ready)
            elif args.panel == "weather":
                _show_weather_for_screenshot(window)
            elif args.panel == "legend":
                window.loaded.connect(lambda: state.setdefault("dialog_shot", window.show_legend()))
            elif args.panel == "sheet":
                _show_sheet_for_screenshot(window, ready, state)
            window.weather_board.refreshed.connect(lambda: ready("weather"))
            window.weather_board.refresh_failed.connect(lambda _message: ready("weather"))
            # Never wait forever on the weather (no airports, a slow answer): the calendar is enough.
            window.loaded.connect(lambda: QTimer.singleShot(15_000, save_screenshot))
        else:
            app.setQuitOnLastWindowClosed(True)
            loop.start()
            if state.get("server") is not None and state["server"].seeded_now:
                _sweep_once_shown(window, state["server"], loop)
        window.show()
        window.reload()
        # What is built by now lives as long as the app: out of the collector's sight, a full
        # collection (set off by a big pull's allocations) scans only what came since. Otherwise
        # it walks every Qt wrapper and module object, tens of ms holding the GIL: a stall.
        gc.freeze()

    def save_screenshot() -> None:
        if state.get("saved"):
            return
        state["saved"] = True
        window = state["window"]
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        if not _grab(window, state.get("dialog_shot")).save(str(args.screenshot), "PNG"):
            print(f"fsp: could not write {args.screenshot}", file=sys.stderr)
            state["status"] = 1
        else:
            print(f"Saved {args.screenshot}")
        app.quit()

    folder = args.data_dir or sign_in_service.default_data_folder()

    def open_for(client: object) -> None:
        # Not secret: which school's replica to open when the next start finds no network.
        settings.setValue("signin/school_id", client.account.school_id)
        # … and the role, so an offline start shows instructor mode before the silent sign-in.
        settings.setValue("signin/role", client.account.role)
        run_in_background(lambda: sign_in_service.open_session(client, folder), show_window, fail)

    def ask(message: str = "") -> None:
        dialog = SignInDialog(
            sign_in=lambda url, email, password, remember: sign_in_service.sign_in(
                url, email, password, remember=remember),
            url=str(settings.value("signin/url", "")), email=str(settings.value("signin/email", "")),
            remember=settings.value("signin/remember", "true") == "true", message=message)

        def signed_in(client: object) -> None:
            # The address and e-mail are not secret; the token is in the keyring (or nowhere).
            settings.setValue("signin/url", dialog.url_edit.text().strip())
            settings.setValue("signin/email", dialog.email_edit.text().strip())
            settings.setValue("signin/remember", "true" if dialog.remember_box.isChecked() else "false")
            open_for(client)

        dialog.signed_in.connect(signed_in)
        dialog.rejected.connect(app.quit)
        state["dialog"] = dialog
        dialog.show()

    def show_resumed(last: object, *, fresh: bool) -> None:
        """The demo's replica shown, its service started once the week is; ``fresh``: a demo
        just prepared, whose first weather sweep follows the service."""
        state["resumed"] = last
        show_window(last.session, fetch_weather=last.fetch_weather)

        def service_started(server: object) -> None:
            state["server"] = server
            gc.freeze()  # the service's modules too (see show_window)
            metrics = state["window"].metrics_panel
            if metrics is not None:  # its first fetch (on show) came before the sign-in
                metrics.refresh()
            if fresh:
                _first_sweep(state["window"], server, state["loop"]).start()

        def start_service() -> None:
            # Once the week is shown: the service's imports would share the GIL with its load.
            if not state.get("service_asked"):
                state["service_asked"] = True
                run_in_background(last.start_service, service_started, fail)

        state["window"].loaded.connect(start_service)

    def start_service_first(error: object = None) -> None:
        """The demo as before the shortcut: service, sign-in and first sync, then the window."""
        if error is not None:
            print(f"fsp: {error}; starting the demo service first instead", file=sys.stderr)
        task = run_in_background(lambda: _start_demo(args.data_dir, sweep_on_start=False))
        task.finished.connect(demo_started)
        task.failed.connect(fail)

    def prepared(last: object | None) -> None:
        if last is None:  # prepared, yet not readable as a demo: the usual start says why
            start_service_first()
        else:
            show_resumed(last, fresh=True)

    if resumed is not None:
        show_resumed(resumed, fresh=False)
    elif preparing is not None:
        preparing.finished.connect(prepared)
        # A demo that could not be prepared aside starts the usual way (which says what is wrong).
        preparing.failed.connect(start_service_first)
    elif demo_start is not None:
        demo_start.finished.connect(demo_started)
        demo_start.failed.connect(fail)
    else:
        url, email = settings.value("signin/url", ""), settings.value("signin/email", "")
        if url and email and settings.value("signin/remember", "true") == "true":
            def resume_failed(error: Exception) -> None:
                school_id = str(settings.value("signin/school_id", "") or "")

                def offline_or_not() -> DesktopSession:  # looks at the disk: off the GUI thread
                    if choose_start(error, school_id, folder) != "offline":
                        raise error
                    # The last known schedule; the sync loop signs in when the service answers.
                    return sign_in_service.start_offline(str(url), str(email), folder, school_id)

                run_in_background(offline_or_not, show_window,
                                  lambda failure: ask(f"Sign in again: {failure}"))

            run_in_background(lambda: sign_in_service.resume(str(url), str(email)), open_for,
                              resume_failed)
        else:
            ask()
    app.exec()

    if child is not None:
        child.abandon()  # (done by now, unless the app was closed before it was)
    if state.get("resumed") is not None:
        state["resumed"].abandon()  # a round still waiting for the service stops waiting
    if "loop" in state:
        state["loop"].stop()
    if "window" in state and not args.screenshot:
        state["window"].close()
    session = state.get("session")
    if session is not None:
        session.close()
    if state.get("server") is not None:
        state["server"].stop()
    return int(state["status"])


def _resume_demo(folder: Path | None) -> object | None:
    """The last demo in ``folder``, to show before its service is up (``ResumedDemo``); None for
    a first start, or when the last one cannot be read (the demo then starts service first)."""
    from app.services.demo_resume import resume_demo

    try:
        return resume_demo(folder)
    except Exception:  # noqa: BLE001 - only a shortcut: the usual start says what is wrong
        return None


def _has_demo(folder: Path | None) -> bool:
    from app.services.embedded_server import has_demo_database

    return has_demo_database(folder)


def _start_preparing(folder: Path | None) -> object | None:
    """``PreparingDemo`` for ``folder``, started; None when it cannot start (the usual start
    then says what is wrong)."""
    from app.services.embedded_server import EmbeddedServerError, PreparingDemo

    try:
        return PreparingDemo(folder)
    except EmbeddedServerError as error:
        print(f"fsp: {error}; starting the demo service first instead", file=sys.stderr)
        return None


def _first_sweep(window: object, server: object, loop: object) -> object:
    """A fresh demo's first weather sweep (``FirstSweep``, not started): "Checking the
    weather…" in the status bar while it runs, and the verdicts fill into the week shown."""
    from app.services.first_sweep import FirstSweep

    sweep = FirstSweep(sweep=server.sweep_now, sync_loop=loop, parent=window)
    sweep.started.connect(
        lambda: window.show_message("Checking the weather for the demo's lessons…"))
    sweep.finished.connect(lambda _run: window.show_message(
        "Weather checked for the demo's lessons", 10_000))
    sweep.failed.connect(window.show_message)
    return sweep


def _sweep_once_shown(window: object, server: object, loop: object) -> None:
    """A fresh demo's first weather sweep, started once the window shows its week: the lessons
    appear at once, "Checking the weather…" in the status bar, and the verdicts fill in."""
    from PySide6.QtCore import QTimer

    sweep = _first_sweep(window, server, loop)
    # A zero timer: the week's paint (already posted) goes first. start() runs once.
    window.loaded.connect(lambda: QTimer.singleShot(0, sweep.start))


def _grab(window: object, dialog: object | None) -> object:
    """The window as a picture, with ``dialog`` (shown over it) drawn where it stands, centred:
    offscreen, a dialog is a window of its own that the main window's grab does not hold."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter

    picture = window.grab()
    if dialog is None:
        return picture
    shot = dialog.grab()
    painter = QPainter(picture)
    painter.drawPixmap(QPoint(max((window.width() - dialog.width()) // 2, 0),
                              max((window.height() - dialog.height()) // 2, 0)), shot)
    painter.end()
    return picture


def _show_alert_for_screenshot(window: object, ready: object, state: dict) -> None:
    """The weather alert dialog of the first weather alert (cancelled first), sized to most of
    the window; ``ready("alerts")`` once it shows its lesson and request."""
    from app.models.alerts import AlertKind

    started = {"done": False}

    def first_load() -> None:
        if started["done"]:
            return
        started["done"] = True
        alerts = [alert for alert in window.alerts_model.alerts if alert.lesson_id and alert.kind in (
            AlertKind.WEATHER_CANCELLED, AlertKind.CONFIRM, AlertKind.AT_RISK)]
        if not alerts:
            ready("alerts")
            return
        dialog = window.alert_actions.show_weather(alerts[0].lesson_id)
        dialog.resize(min(1100, window.width() - 40), window.height() - 40)
        state["dialog_shot"] = dialog
        dialog.loaded.connect(lambda: ready("alerts"))

    window.loaded.connect(first_load)


def _show_sheet_for_screenshot(window: object, ready: object, state: dict) -> None:
    """The day's dispatch sheet in its print preview (File › Print preview…), sized to most of
    the window, the page fitted to its width; ``ready("sheet")`` once its pages are laid out.
    Read once the calendar and the weather board are in: the sheet shows the board's reports."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    sheet, board = window.dispatch_sheet, window.weather_board
    waiting = {"loaded", "weather"} if board is not None else {"loaded"}

    def preview_shown() -> None:
        dialog = sheet.preview_dialog
        if dialog is None:  # (the read failed: ``failed`` says so)
            return
        dialog.resize(window.width() - 40, window.height() - 40)
        # The dialog's own "Fit width" (its toolbar then shows it chosen), as a person would.
        fit_width = dialog.findChild(QAction, "fitWidthAction")
        if fit_width is not None:
            fit_width.trigger()
        preview = dialog.findChild(QPrintPreviewWidget)
        preview.fitToWidth()
        preview.updatePreview()
        state["dialog_shot"] = dialog
        ready("sheet")

    def seen(part: str) -> None:
        if part in waiting:
            waiting.discard(part)
            if not waiting:
                # The preview opens just after ``ready`` (which hands over the day read).
                sheet.ready.connect(lambda _day: QTimer.singleShot(0, preview_shown))
                sheet.failed.connect(lambda _message: ready("sheet"))
                sheet.preview()

    window.loaded.connect(lambda: seen("loaded"))
    if board is not None:
        board.refreshed.connect(lambda: seen("weather"))
        board.refresh_failed.connect(lambda _message: seen("weather"))


def _show_metrics_for_screenshot(window: object, ready: object) -> None:
    panel = window.metrics_panel
    if panel is None:
        window.loaded.connect(lambda: ready("metrics"))
        return
    panel.refreshed.connect(lambda: ready("metrics"))
    panel.refresh_failed.connect(lambda _message: ready("metrics"))
    window.loaded.connect(window._toggle_metrics)


def _show_weather_for_screenshot(window: object) -> None:
    from PySide6.QtCore import Qt

    board = window.weather_board
    if board is not None:
        board.raise_()
        window.resizeDocks([board], [window.height() // 2], Qt.Orientation.Vertical)


def _show_review_for_screenshot(window: object, ready: object) -> None:
    """The reschedule review raised, as wide as Ctrl+3 makes it, on the first open request;
    ``ready("review")`` once it shows that request with its history."""
    review = window.reschedule_review
    state = {"started": False}

    def first_load() -> None:
        if state["started"]:
            return
        state["started"] = True
        # Tabbed with the alerts as on a first start (a remembered layout may have moved it).
        window.tabifyDockWidget(window.alerts_dock, review)
        window.show_reschedule_review()
        request_id = review.first_open_request()
        if request_id is None:
            ready("review")
            return
        review.request_shown.connect(lambda shown: ready("review") if shown == request_id else None)
        review.show_request(request_id)

    review.refreshed.connect(first_load)


def choose_start(resume_error: BaseException, remembered_school_id: str,
                 folder: Path) -> str:
    """After the silent sign-in failed: ``"offline"`` — open the remembered school's replica
    without the network (``sign_in.start_offline``) — when only the network is missing and this
    computer has that replica; otherwise ``"dialog"`` (sign in again)."""
    from app.services.sign_in import SignInOffline, replica_file

    if (isinstance(resume_error, SignInOffline) and remembered_school_id
            and replica_file(folder, remembered_school_id).is_file()):
        return "offline"
    return "dialog"


def _application_icon() -> Path:
    # resources/ sits beside the packages in a checkout; a frozen build sets FSP_RESOURCES (its
    # runtime hook). app/ may not import sync/, so this repeats sync.resources' two-line rule.
    base = os.environ.get("FSP_RESOURCES") or Path(__file__).resolve().parent.parent / "resources"
    return Path(base) / "icons" / "fsp.png"


if __name__ == "__main__":
    sys.exit(main())
