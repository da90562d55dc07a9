"""``run_in_background``: answers come back on the GUI thread, none is lost, none reaches a widget
that is gone."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from PySide6.QtWidgets import QLabel
from shiboken6 import isValid


def _drain() -> None:
    QThreadPool.globalInstance().waitForDone(10_000)
    for _ in range(3):
        QCoreApplication.processEvents()


def test_the_result_arrives_on_the_gui_thread(qtbot) -> None:
    from app.services.background import run_in_background

    worker_threads, delivered = [], []
    task = run_in_background(lambda: worker_threads.append(threading.get_ident()) or 42,
                             lambda result: delivered.append((result, threading.get_ident())))
    with qtbot.wait_signal(task.finished, timeout=5_000):
        pass
    assert delivered == [(42, threading.get_ident())]
    assert worker_threads and worker_threads[0] != threading.get_ident()


def test_an_exception_goes_to_on_error(qtbot) -> None:
    from app.services.background import run_in_background

    errors = []
    with qtbot.wait_signal(run_in_background(lambda: 1 / 0, lambda _: None, errors.append).failed,
                           timeout=5_000):
        pass
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


def test_no_answer_is_lost_when_nobody_keeps_the_task(qtbot) -> None:
    from app.services.background import run_in_background

    answers: list[int] = []
    for number in range(200):
        run_in_background(lambda number=number: number, answers.append)
    qtbot.wait_until(lambda: len(answers) == 200, timeout=10_000)
    assert sorted(answers) == list(range(200))


def test_an_answer_for_a_deleted_widget_is_dropped(qtbot) -> None:
    from app.services.background import run_in_background

    label = QLabel()
    shown: list[str] = []
    release = threading.Event()
    run_in_background(lambda: release.wait(5) and "late answer",
                      lambda text: shown.append(label.text() + text), owner=label)
    label.deleteLater()  # the label is gone, as when its window closed
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not isValid(label)
    release.set()
    _drain()
    assert shown == []
