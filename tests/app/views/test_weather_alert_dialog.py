"""The weather alert dialog shows each reason's value, limit and report from the facts the service
sends as data — even when the sentence says them differently — and still reads a check stored
before the service sent them. Over a replica holding the demo school's rows, offscreen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.models.alerts import build_alerts
from app.services.replica import Replica
from app.services.sync_engine import SyncEngine
from app.services.sync_loop import SyncLoop
from app.views.weather_alert_dialog import REASON_COLUMNS, WeatherAlertDialog

TABLES = ("schools", "students", "instructors", "aircraft", "flights")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def replica(demo, tmp_path):
    copied = Replica(tmp_path / "copy.sqlite3")
    changes = [{"table": table, "id": row.id, "version": row.version or 1, "server_seq": 1,
                "deleted": False, "data": row.data}
               for table in TABLES for row in demo.replica.rows(table)]
    copied.apply_pull(changes, cursor=1)
    yield copied
    copied.close()


@pytest.fixture
def sync_loop(demo, replica):
    loop = SyncLoop(engine=SyncEngine(client=demo.client, replica=replica), interval_ms=600_000)
    yield loop
    loop.stop()


def at_risk_lesson(replica: Replica) -> dict[str, Any]:
    """A lesson of the demo moved to tomorrow and marked at risk (as a pull would bring it)."""
    flight = next(row.data for row in replica.rows("flights") if row.data.get("instructor_id"))
    start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=20, minute=0, second=0, microsecond=0)
    flight = flight | {"start_at": iso(start), "end_at": iso(start + timedelta(hours=2)),
                       "status": "AT_RISK"}
    replica.apply_pull([{"table": "flights", "id": flight["id"], "version": 99, "server_seq": 2,
                         "deleted": False, "data": flight}], cursor=2)
    return flight


def put_check(replica: Replica, flight: dict[str, Any], reasons: list[dict[str, Any]]) -> None:
    check = {"id": str(uuid.uuid4()), "flight_id": flight["id"], "verdict": "NO_GO",
             "checked_at": iso(datetime.now(UTC)), "reasons": reasons, "reports": [
                 {"station": "KAUS", "product": "METAR", "raw": "KAUS 251953Z 18015G25KT 3SM +TSRA"},
                 {"station": "KAUS", "product": "TAF", "raw": "TAF KAUS 251720Z 2518/2624 ..."}],
             "decoded": {"KAUS": {"position": 0, "verdict": "NO_GO", "observed": {}}},
             "minimums": {"training_level": "EARLY_STUDENT", "ceiling_ft": 3000}}
    replica.apply_pull([{"table": "weather_checks", "id": check["id"], "version": 1,
                         "server_seq": 3, "deleted": False, "data": check}], cursor=3)


def open_dialog(qtbot, replica, sync_loop, lesson_id: str) -> WeatherAlertDialog:
    dialog = WeatherAlertDialog(replica=replica, sync_loop=sync_loop, client=None,
                                lesson_id=lesson_id)
    qtbot.add_widget(dialog)
    qtbot.wait_until(lambda: dialog.detail is not None and bool(dialog.detail.reasons), timeout=10_000)
    return dialog


def cells(dialog: WeatherAlertDialog) -> list[dict[str, str]]:
    table = dialog.reasons_table
    return [{REASON_COLUMNS[column]: table.item(row, column).text()
             for column in range(table.columnCount())} for row in range(table.rowCount())]


def test_value_limit_and_report_come_from_the_data_whatever_the_sentence(qtbot, replica, sync_loop):
    flight = at_risk_lesson(replica)
    start = datetime.fromisoformat(flight["start_at"].replace("Z", "+00:00"))
    observed = start - timedelta(hours=20, minutes=7)
    # Sentences worded nothing like the judge's: text parsing would find no value, limit or period.
    put_check(replica, flight, [
        {"code": "CEILING", "effect": "NO_GO", "station": "KAUS",
         "text": "Low cloud at Austin during the storm window", "finding": "Low cloud",
         "measure": {"value": 700, "limit": 3000, "unit": "ft", "bound": "MINIMUM",
                     "value_text": "700 ft", "limit_text": "3000 ft"},
         "source": {"product": "TAF", "kind": "TEMPO", "label": "TEMPO", "from": iso(start),
                    "to": iso(start + timedelta(hours=3)), "chance": None}},
        {"code": "THUNDERSTORM", "effect": "NO_GO", "station": "KAUS",
         "text": "Storm overhead", "finding": "Storm overhead",
         "measure": {"value": None, "limit": None, "unit": None, "bound": "NONE_ALLOWED",
                     "value_text": "+TSRA", "limit_text": "none allowed", "codes": ["+TSRA"]},
         "source": {"product": "METAR", "observed_at": iso(observed)}},
        {"code": "WIND", "effect": "MARGINAL", "station": "KAUS", "text": "Gusty",
         "measure": {"value": 24, "limit": 25, "unit": "kt", "bound": "MAXIMUM",
                     "value_text": "from 200° at 14 kt gusting 24 kt", "limit_text": "25 kt",
                     "wind_speed_kt": 14, "wind_gust_kt": 24},
         "source": {"product": "TAF", "kind": "PROB", "label": "PROB30", "from": iso(start),
                    "to": iso(start + timedelta(hours=1)), "chance": 30}},
    ])
    dialog = open_dialog(qtbot, replica, sync_loop, flight["id"])
    zone = dialog.detail.zone
    local = start.astimezone(zone)
    ceiling, storm, wind = cells(dialog)
    assert ceiling == {
        "Airport": "KAUS", "Report": f"TAF TEMPO {local:%H:%M}–{local + timedelta(hours=3):%H:%M} {local:%Z}",
        "Finding": "Low cloud", "Value": "700 ft", "Limit": "3000 ft", "Effect": ceiling["Effect"]}
    assert storm["Report"] == f"METAR {observed.astimezone(zone):%H:%M %Z}"
    assert (storm["Value"], storm["Limit"]) == ("+TSRA", "none allowed")
    assert wind["Report"].startswith("TAF PROB30 ") and wind["Report"].endswith("(30% chance)")
    assert (wind["Value"], wind["Limit"]) == ("from 200° at 14 kt gusting 24 kt", "25 kt")
    # The whole sentence stays a tooltip away.
    assert "Low cloud at Austin during the storm window" in dialog.reasons_table.item(0, 2).toolTip()
    # The alert's one line has the cause from the same data.
    assert dialog.detail.cause == (f"KAUS ceiling 700 ft < 3000 {local:%H:%M}–"
                                   f"{local + timedelta(hours=3):%H:%M}, +TSRA")
    alert = next(alert for alert in build_alerts(replica, now=datetime.now(UTC), account=None)
                 if alert.lesson_id == flight["id"])
    assert "ceiling 700 ft < 3000" in alert.line


def test_a_check_stored_before_the_data_still_shows_value_and_limit(qtbot, replica, sync_loop):
    flight = at_risk_lesson(replica)
    start = datetime.fromisoformat(flight["start_at"].replace("Z", "+00:00"))
    end = start + timedelta(hours=2)
    put_check(replica, flight, [
        {"code": "CEILING", "effect": "NO_GO", "station": "KAUS",
         "text": f"FM {start:%d %H:%M}–{end:%d %H:%M}Z: Ceiling 800 ft is below the 3000 ft "
                 "minimum for an early student"}])
    dialog = open_dialog(qtbot, replica, sync_loop, flight["id"])
    local = start.astimezone(dialog.detail.zone)
    (row,) = cells(dialog)
    assert (row["Value"], row["Limit"]) == ("800 ft", "3000 ft")
    assert row["Report"] == f"TAF FM {local:%H:%M}–{end.astimezone(local.tzinfo):%H:%M} {local:%Z}"
    assert row["Finding"] == "Ceiling 800 ft is below the 3000 ft minimum for an early student"
