"""The main window's menus: every action named, no shortcut taken twice, Help lists them all.

These walk the real menu bar, so a menu added later with a clashing shortcut fails here.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from PySide6.QtGui import QKeySequence

from app.views.shortcuts_dialog import ShortcutsDialog, menu_actions, plain_text


def test_every_menu_action_has_a_name(window) -> None:
    actions = list(menu_actions(window.menuBar()))
    assert len(actions) > 10
    unnamed = [path for path, action in actions if not plain_text(action.text()).strip()]
    assert unnamed == []
    titles = [plain_text(action.text()) for action in window.menuBar().actions()]
    assert titles[0] == "File" and titles[-1] == "Help" and "View" in titles


def test_no_two_actions_share_a_shortcut(window) -> None:
    # Menu actions and the window's own (menu-less) ones: both fire from anywhere in the window.
    owners: dict[str, list[str]] = defaultdict(list)
    seen = set()
    candidates = [(path, action) for path, action in menu_actions(window.menuBar())]
    candidates += [("window", action) for action in window.actions()]
    for path, action in candidates:
        if id(action) in seen:
            continue
        seen.add(id(action))
        for sequence in action.shortcuts():
            if not sequence.isEmpty():
                owners[sequence.toString(QKeySequence.SequenceFormat.PortableText)].append(
                    f"{path} › {plain_text(action.text())}")
    clashes = {key: names for key, names in owners.items() if len(names) > 1}
    assert clashes == {}


# Opening a dialog makes a top-level window, whose size hints the offscreen platform cannot pass on.
OFFSCREEN_TOP_LEVEL = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@OFFSCREEN_TOP_LEVEL
def test_keyboard_shortcuts_dialog_lists_every_action(qtbot, window) -> None:
    window.shortcuts_action.trigger()
    dialog = window.shortcuts_dialog
    assert isinstance(dialog, ShortcutsDialog)
    rows = dialog.rows()
    assert len(rows) == len(list(menu_actions(window.menuBar())))
    assert ("View", "Metrics", QKeySequence("Ctrl+4").toString(
        QKeySequence.SequenceFormat.NativeText)) in rows
    assert ("File", "Quit", QKeySequence("Ctrl+Q").toString(
        QKeySequence.SequenceFormat.NativeText)) in rows
    assert ("Help", "Keyboard shortcuts", QKeySequence("F1").toString(
        QKeySequence.SequenceFormat.NativeText)) in rows
    dialog.reject()


@OFFSCREEN_TOP_LEVEL
def test_about_names_the_application_and_the_service(qtbot, window, demo) -> None:
    window.about_action.trigger()
    box = window.about_box
    assert "Flight Schedule Pro Dispatcher" in box.text()
    assert demo.client.base_url in box.informativeText()
    box.close()


def test_quit_closes_the_window_and_keeps_its_layout(window) -> None:
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    window._settings.remove("window/state")
    window.quit_action.trigger()
    assert window._settings.value("window/state") is not None
