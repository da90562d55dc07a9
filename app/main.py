"""``fsp``: the desktop app's entry point.

- ``fsp --demo``: the service in-process over a demo school, then the main window signed in as
  the demo dispatcher.
- ``fsp --screenshot PATH [--view week|day] [--date YYYY-MM-DD]``: the same demo, rendered once
  into a PNG, then exit (works with ``QT_QPA_PLATFORM=offscreen``).
- plain ``fsp``: sign in to a school's own server (a dialog; with "remember me" the refresh token
  goes to the OS keyring and the next start signs in silently), then the main window.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from app.services.sign_in import DesktopSession, default_data_folder, open_session

__all__ = ["main"]

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
                            fetch_weather=session.client.current_weather, mode=args.view,
                            day=args.date)
        state["loop"], state["window"] = loop, window
        if args.screenshot:
            window.resize(1600, 900)
            # After the calendar and the first weather reports (or their failure) are shown.
            pending = {"loaded", "weather"}

            def ready(part: str) -> None:
                pending.discard(part)
                if not pending:
                    QTimer.singleShot(200, save_screenshot)

            window.loaded.connect(lambda: ready("loaded"))
            window.weather_board.refreshed.connect(lambda: ready("weather"))
            window.weather_board.refresh_failed.connect(lambda _message: ready("weather"))
            # Never wait forever on the weather (no airports, a slow answer): the calendar is enough.
            window.loaded.connect(lambda: QTimer.singleShot(15_000, save_screenshot))
        else:
            app.setQuitOnLastWindowClosed(True)
            loop.start()
        window.show()
        window.reload()

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
            run_in_background(lambda: sign_in_service.resume(str(url), str(email)), open_for,
                              lambda error: ask(f"Sign in again: {error}"))
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


def _application_icon() -> Path:
    # resources/ sits beside the packages in a checkout; a frozen build sets FSP_RESOURCES (its
    # runtime hook). app/ may not import sync/, so this repeats sync.resources' two-line rule.
    base = os.environ.get("FSP_RESOURCES") or Path(__file__).resolve().parent.parent / "resources"
    return Path(base) / "icons" / "fsp.png"


if __name__ == "__main__":
    sys.exit(main())
