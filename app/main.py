"""``fsp``: the desktop app's entry point.

- ``fsp --demo``: the service in-process over a demo school, then the main window signed in as
  the demo dispatcher.
- ``fsp --screenshot PATH [--view week|day] [--date YYYY-MM-DD] [--panel review]``: the same demo,
  rendered once into a PNG, then exit (works with ``QT_QPA_PLATFORM=offscreen``); ``--panel
  review`` shows the reschedule review on the first open request.
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

from app.services.sign_in import (DesktopSession, SignInOffline, default_data_folder,
                                  open_session, replica_file)

__all__ = ["main", "choose_start"]

ORGANISATION = "fsp-dispatcher"
APPLICATION = "Flight Schedule Pro Dispatcher"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fsp", description="The Flight Schedule Pro Dispatcher desktop.")
    parser.add_argument("--demo", action="store_true",
                        help="run the service in-process with the demo school and sign in to it")
    parser.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="render the main window (of the demo) into a PNG and exit")
    parser.add_argument("--view", choices=("week", "day"), help="the calendar view to open")
    parser.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="the day to show")
    parser.add_argument("--panel", choices=("review",),
                        help="with --screenshot: show this panel too (review: the reschedule "
                             "review on the first open request)")
    parser.add_argument("--data-dir", type=Path, metavar="FOLDER",
                        help="where the local replica (and for the demo: its database and mail "
                             "outbox) live (default: the user data folder)")
    return parser


def _start_demo(folder: Path | None) -> tuple[object, DesktopSession]:
    """Blocking: the embedded service, a sign-in, the replica and a first sync."""
    from app.services.api_client import ApiClient
    from app.services.embedded_server import EmbeddedServer

    server = EmbeddedServer(folder=folder)
    url, email, password = server.start()
    try:
        client = ApiClient(base_url=url)
        client.login(email, password)
        if server.seeded_now:  # a fresh demo database: older replicas belong to another school
            for stale in server.folder.glob("replica-*.sqlite3*"):
                stale.unlink()
        session = open_session(client, server.folder)
    except Exception:
        server.stop()
        raise
    return server, session


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    demo_mode = bool(args.demo or args.screenshot)

    from PySide6.QtCore import QCoreApplication, QSettings, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.services import sign_in as sign_in_service
    from app.services.background import run_in_background
    from app.services.sync_loop import SyncLoop
    from app.views.main_window import MainWindow
    from app.views.sign_in_dialog import SignInDialog

    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # the sign-in dialog closes before the window opens
    app.setWindowIcon(QIcon(str(_application_icon())))
    settings = QSettings()
    state: dict[str, object] = {"status": 0}

    def fail(error: Exception) -> None:
        message = f"The demo could not start: {error}" if demo_mode else f"Could not open: {error}"
        print(f"fsp: {message}", file=sys.stderr)
        if not args.screenshot:
            QMessageBox.critical(None, APPLICATION, message)
        state["status"] = 1
        app.quit()

    def demo_started(result: tuple[object, DesktopSession]) -> None:
        state["server"] = result[0]
        show_window(result[1])

    def show_window(session: DesktopSession) -> None:
        state["session"] = session
        loop = SyncLoop(engine=session.engine)
        window = MainWindow(sync_loop=loop, replica=session.replica, user_email=session.email,
                            client=session.client, mode=args.view,
                            restore_layout=not args.screenshot,
                            day=args.date,
                            role="" if demo_mode else str(settings.value("signin/role", "")))
        state["loop"], state["window"] = loop, window
        if args.screenshot:
            window.resize(1600, 900)
            # After the calendar and the first weather reports (or their failure) are shown.
            pending = {"loaded", "weather"} | ({"review"} if args.panel == "review" else set())

            def ready(part: str) -> None:
                pending.discard(part)
                if not pending:
                    QTimer.singleShot(200, save_screenshot)

            window.loaded.connect(lambda: ready("loaded"))
            if args.panel == "review":
                _show_review_for_screenshot(window, ready)
            window.weather_board.refreshed.connect(lambda: ready("weather"))
            window.weather_board.refresh_failed.connect(lambda _message: ready("weather"))
            # Never wait forever on the weather (no airports, a slow answer): the calendar is enough.
            window.loaded.connect(lambda: QTimer.singleShot(15_000, save_screenshot))
        else:
            app.setQuitOnLastWindowClosed(True)
            loop.start()
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
        if not window.grab().save(str(args.screenshot), "PNG"):
            print(f"fsp: could not write {args.screenshot}", file=sys.stderr)
            state["status"] = 1
        else:
            print(f"Saved {args.screenshot}")
        app.quit()

    folder = args.data_dir or default_data_folder()

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

    if demo_mode:
        run_in_background(lambda: _start_demo(args.data_dir), demo_started, fail)
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


def _show_review_for_screenshot(window: object, ready: object) -> None:
    """The reschedule review raised, wide enough for its three cards, on the first open request;
    ``ready("review")`` once it shows that request with its history."""
    from PySide6.QtCore import Qt

    review = window.reschedule_review
    state = {"started": False}

    def first_load() -> None:
        if state["started"]:
            return
        state["started"] = True
        # Tabbed with the alerts as on a first start (a remembered layout may have moved it), and
        # given most of the window: the three option cards need the width, the history the height.
        window.resize(1600, 1000)
        window.tabifyDockWidget(window.alerts_dock, review)
        window.show_reschedule_review()
        window.resizeDocks([review], [1180], Qt.Orientation.Horizontal)
        if window.weather_board is not None:
            window.resizeDocks([window.weather_board], [160], Qt.Orientation.Vertical)
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
