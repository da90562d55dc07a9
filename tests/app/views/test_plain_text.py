"""Text from the service or typed by a person is shown literally, never rendered as markup."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from app.models.alerts import Alert, AlertKind
from app.models.alerts_model import AlertsModel
from app.models.edit_review import EditReview, FieldVersions
from app.models.reschedule_model import OptionView
from app.views.conflict_dialog import ConflictDialog
from app.views.plain_text import make_plain_box, plain_tooltip
from app.views.reschedule_option_card import OptionCard
from app.views.sign_in_dialog import SignInDialog

MARKUP = '<b>Eve</b><img src="https://attacker.example/x.png"><a href="https://x.example">click</a>'


def _labels_showing(widget, text: str) -> list[QLabel]:
    return [label for label in widget.findChildren(QLabel) if text in label.text()]


def test_the_conflict_dialog_shows_the_services_words_and_both_versions_as_text(qtbot) -> None:
    review = EditReview(mutation_id="m1", state="rejected", table="flights", op="update",
                        row_id="r1", target=f"{MARKUP}'s lesson", reason=f"refused: {MARKUP}",
                        fields=(FieldVersions("Notes", MARKUP, "theirs"),))
    dialog = ConflictDialog(review=review, sync_loop=None)
    qtbot.add_widget(dialog)

    shown = _labels_showing(dialog, MARKUP)
    assert {dialog.heading, dialog.reason_label} <= set(shown)
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in shown)
    tip = dialog.table.item(0, 1).toolTip()
    assert MARKUP not in tip and "&lt;img" in tip


def test_an_option_card_shows_the_models_justification_and_names_as_text(qtbot) -> None:
    holder = QWidget()  # a card lives inside the review, never as a window of its own
    qtbot.add_widget(holder)
    card = OptionCard(parent=holder)
    start = datetime(2026, 12, 3, 15, tzinfo=UTC)
    card.set_option(OptionView(rank=1, start=start, end=start + timedelta(hours=2),
                               instructor_id="i1", instructor=MARKUP, aircraft_id="a1",
                               aircraft=MARKUP, verdict=None, weather_summary=MARKUP,
                               justification=MARKUP),
                    zone=zoneinfo.ZoneInfo("America/Chicago"), chosen=False)

    shown = _labels_showing(card, MARKUP)
    assert len(shown) >= 3  # people, summary, justification
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in shown)


def test_the_sign_in_dialogs_message_is_text(qtbot) -> None:
    dialog = SignInDialog(sign_in=lambda *_: None, message=f"The service said: {MARKUP}")
    qtbot.add_widget(dialog)

    assert dialog.message_label.textFormat() is Qt.TextFormat.PlainText


def test_a_message_box_made_plain_shows_both_texts_literally(qtbot) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "Mail not sent", MARKUP)
    box.setInformativeText(MARKUP)
    make_plain_box(box)
    qtbot.add_widget(box)

    shown = _labels_showing(box, MARKUP)
    assert len(shown) == 2 and all(label.textFormat() is Qt.TextFormat.PlainText for label in shown)


def test_tooltips_from_the_models_escape_what_they_show() -> None:
    alert = Alert(kind=AlertKind.AT_RISK, title=MARKUP, reasons=(MARKUP,))
    model = AlertsModel()
    model.set_alerts([alert])

    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)

    assert MARKUP not in tip and tip.count("&lt;b&gt;Eve&lt;/b&gt;") == 2


def test_plain_tooltip_keeps_lines_and_escapes() -> None:
    assert plain_tooltip("a < b\nc & d") == "<p>a &lt; b<br>c &amp; d</p>"
    assert plain_tooltip("") == ""
