"""Text from the service or typed by a person is shown as it is, never as markup.

Qt guesses: a QLabel, a QMessageBox or a tooltip whose text looks like HTML renders it as rich
text. A student named ``<img src=…>``, a note quoted in a refusal or an AI model's justification
would then be drawn as markup (and may load images or show links). So every label that shows such
text is made plain (``plain_label``/``make_plain``), every tooltip goes through ``plain_tooltip``,
message boxes through ``make_plain_box``, and rich text built here embeds other text only through
``escape``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as markup."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def make_plain(*labels: QLabel) -> None:
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)


# Qt's own names for a message box's two labels (the informative one exists once its text is set).
_MESSAGE_BOX_LABELS = ("qt_msgbox_label", "qt_msgbox_informativelabel")


def make_plain_box(box: QMessageBox) -> QMessageBox:
    """Call after setting the texts: the informative text's label is made when it is set."""
    box.setTextFormat(Qt.TextFormat.PlainText)
    for name in _MESSAGE_BOX_LABELS:
        label = box.findChild(QLabel, name)
        if label is not None:
            label.setTextFormat(Qt.TextFormat.PlainText)
    return box


def plain_tooltip(text: str | None) -> str:
    """``text`` as a tooltip that shows it literally (tooltips guess rich text like labels)."""
    if not text:
        return ""
    # Marked up by us, so Qt takes it as rich text and shows the escaped text literally.
    return "<p>" + escape(text).replace("\n", "<br>") + "</p>"


def escape(text: object) -> str:
    """For text embedded in rich text this module's callers build themselves."""
    return html.escape(str(text), quote=False)
