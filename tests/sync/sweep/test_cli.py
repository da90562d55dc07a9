"""``fsp-sync sweep --once`` end to end: weather over HTTP, decisions, mail into a folder."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sync.api import create_app
from sync.cli import main
from sync.config import Settings
from sync.database.session import create_engine_for, make_sessionmaker, session_scope
from sync.flights.models import Flight, FlightStatus
from sync.notify.models import Notification, NotificationStatus
from sync.sweep.cli import parse_now
from sync.sweep.scheduler import SweepScheduler
from tests.sync.sweep.conftest import client_for
from tests.sync.sweep.storm import NOW, expected_status


@pytest.fixture
def configured(seeded, storm_server, use_database, monkeypatch, tmp_path):
    hours_of = seeded(copies=1)
    use_database(seeded.url)
    monkeypatch.setenv("FSP_WEATHER_URL", storm_server.url)
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
    monkeypatch.setenv("FSP_MAIL", f"file:{tmp_path / 'mail'}")
    return hours_of


def rows(url: str, model) -> list:
    engine = create_engine_for(url)
    try:
        with session_scope(engine, read_only=True) as db:
            return list(db.scalars(select(model)))
    finally:
        engine.dispose()


def test_sweep_once_decides_prints_a_summary_and_delivers_the_mail(configured, seeded, capsys,
                                                                    tmp_path):
    assert main(["sweep", "--once", "--now", NOW.strftime("%Y-%m-%dT%H:%MZ")]) == 0
    out = capsys.readouterr().out
    cancelled = sum(expected_status(h) is FlightStatus.WEATHER_CANCELLED for h in configured.values())
    at_risk = sum(expected_status(h) is FlightStatus.AT_RISK for h in configured.values())
    assert f"Swept {len(configured)} lessons at 1 stations" in out
    assert f"Cancelled {cancelled}, at risk {at_risk}, cleared 0, unknown 2," in out
    assert "errors 0" in out

    flights = {flight.id: flight.status for flight in rows(seeded.url, Flight)}
    assert flights == {fid: expected_status(h) for fid, h in configured.items()}
    mails = rows(seeded.url, Notification)
    assert mails and {mail.status for mail in mails} == {NotificationStatus.SENT}
    assert len(list((tmp_path / "mail").rglob("*.eml"))) == len(mails)
    assert f"Mail: {len(mails)} sent" in out

    # Again: nothing new is decided and nobody is mailed twice.
    assert main(["sweep", "--once", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Cancelled 0, at risk 0" in out and "Mail: 0 sent" in out
    assert len(list((tmp_path / "mail").rglob("*.eml"))) == len(mails)


def test_sweep_needs_once_and_a_readable_time(capsys):
    with pytest.raises(SystemExit):
        main(["sweep"])
    with pytest.raises(SystemExit):
        main(["sweep", "--once", "--now", "tomorrow"])
    assert "2026-11-25T14:00Z" in capsys.readouterr().err
    assert parse_now("2026-11-25T14:00Z").isoformat() == "2026-11-25T14:00:00+00:00"
    assert parse_now("2026-11-25T08:00-06:00").isoformat() == "2026-11-25T14:00:00+00:00"


def test_the_scheduler_sweeps_every_interval_and_stops_cleanly(seeded, storm_server):
    hours_of = seeded(copies=1)
    engine = create_engine_for(seeded.url)
    swept = threading.Event()
    scheduler = SweepScheduler(session_factory=make_sessionmaker(engine),
                               source_factory=lambda: client_for(storm_server.url),
                               interval_seconds=0.05, clock=lambda: NOW,
                               on_sweep=lambda run: swept.set())
    try:
        scheduler.start()
        assert swept.wait(30)
        scheduler.stop()
        assert not scheduler.running
    finally:
        scheduler.stop()
        engine.dispose()
    flights = {flight.id: flight.status for flight in rows(seeded.url, Flight)}
    assert flights == {fid: expected_status(h) for fid, h in hours_of.items()}


@pytest.mark.parametrize("interval, running", [(3600, True), (0, False)])
def test_serve_runs_the_scheduler_only_when_enabled(engine, database_url, interval, running):
    settings = Settings.explicit(database_url=database_url, sweep_interval_seconds=interval)
    with TestClient(create_app(settings)):
        assert any(thread.name == "fsp-sweep" for thread in threading.enumerate()) is running
    assert not any(thread.name == "fsp-sweep" and thread.is_alive() for thread in threading.enumerate())
