"""A recording replayed at the present: only time groups move, by whole hours, across month ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.resources import resource_path
from sync.weather import check
from sync.weather.errors import WeatherUnreadable
from sync.weather.replay import ReplayedWeatherSource, recorded_at, shift_report
from sync.weather.sources import RecordedWeatherSource
from sync.weather.station_weather import gather_weather
from sync.weather.taf_decoder import decode_taf

RECORDED = datetime(2026, 11, 25, 15, 5, tzinfo=UTC)
DEMO = resource_path("demo", "weather")
DEMO_STATIONS = ["KAUS", "KHYI", "KSAT", "KGTU"]


def test_metar_observation_time_moves_across_the_month_end() -> None:
    raw = "KAUS 251453Z 17006KT 10SM FEW035 SCT250 19/13 A3001 RMK AO2"
    shifted = shift_report(raw, timedelta(days=5, hours=6), recorded=RECORDED)
    assert shifted == "KAUS 302053Z 17006KT 10SM FEW035 SCT250 19/13 A3001 RMK AO2"
    assert shift_report(raw, timedelta(days=6), recorded=RECORDED).startswith("KAUS 011453Z ")


def test_taf_groups_move_and_the_rest_stays() -> None:
    raw = ("TAF KAUS 251120Z 2512/2618 17008KT P6SM FEW035 FM251800 18012G18KT P6SM SCT040 "
           "TEMPO 2520/2524 3SM TSRA BKN020CB PROB30 2603/2607 1SM FZDZ BR OVC003 TX25/2520Z TN12/2612Z")
    shifted = shift_report(raw, timedelta(hours=6), recorded=RECORDED)
    assert shifted == (
        "TAF KAUS 251720Z 2518/2700 17008KT P6SM FEW035 FM260000 18012G18KT P6SM SCT040 "
        "TEMPO 2602/2606 3SM TSRA BKN020CB PROB30 2609/2613 1SM FZDZ BR OVC003 TX25/2602Z TN12/2618Z")
    # The end-of-day spelling is kept where the recording used it.
    assert "TEMPO 2620/2624" in shift_report(raw, timedelta(hours=24), recorded=RECORDED)


def test_a_replayed_taf_decodes_to_the_same_forecast_later() -> None:
    raw = RecordedWeatherSource(DEMO).fetch_tafs(["KAUS"])["KAUS"][0]
    shift = timedelta(days=40, hours=3)
    original = decode_taf(raw, reference=RECORDED)
    replayed = decode_taf(shift_report(raw, shift, recorded=RECORDED), reference=RECORDED + shift)
    assert [(period.start + shift, period.end + shift) for period in original.periods] == \
        [(period.start, period.end) for period in replayed.periods]
    assert [period.conditions for period in original.periods] == \
        [period.conditions for period in replayed.periods]


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 30, 21, 12, tzinfo=UTC),
    datetime(2027, 2, 28, 23, 59, tzinfo=UTC),   # a short month
    datetime(2028, 7, 4, 6, 30, tzinfo=UTC),
])
def test_the_demo_recording_looks_fresh_on_any_day(now: datetime) -> None:
    source = ReplayedWeatherSource(DEMO, clock=lambda: now)
    gathered = gather_weather(source, DEMO_STATIONS, now=now)
    for code, weather in gathered.items():
        assert weather.metar is not None, (code, weather.problems)
        # Never older than the recording was when made (about an hour): far from stale (90 min).
        assert timedelta(0) <= now - weather.metar.time < timedelta(minutes=75), code
    forecast = gathered["KAUS"].taf
    assert forecast is not None
    assert forecast.periods[0].start <= now < forecast.periods[-1].end
    assert forecast.periods[-1].end - now > timedelta(hours=18)


def test_shifts_are_whole_hours() -> None:
    with pytest.raises(ValueError, match="whole hours"):
        shift_report("KAUS 251453Z 17006KT", timedelta(minutes=30), recorded=RECORDED)


def test_a_recording_without_its_time_cannot_be_replayed(tmp_path) -> None:
    with pytest.raises(WeatherUnreadable, match="recording.json"):
        ReplayedWeatherSource(tmp_path).fetch_metars(["KAUS"])
    # In a sweep or a check, that is every lesson's reason, not a failed request.
    gathered = gather_weather(ReplayedWeatherSource(tmp_path), ["KAUS"], now=RECORDED)
    assert any("recording.json" in problem for problem in gathered["KAUS"].problems)
    (tmp_path / "recording.json").write_text('{"when": "yesterday"}')
    with pytest.raises(WeatherUnreadable, match="recorded_at"):
        recorded_at(tmp_path)


def test_settings_choose_the_replay(monkeypatch) -> None:
    monkeypatch.setenv(check.RECORDED_VARIABLE, str(DEMO))
    monkeypatch.delenv(check.REPLAY_VARIABLE, raising=False)
    assert isinstance(check.weather_source_from_settings(), RecordedWeatherSource)
    monkeypatch.setenv(check.REPLAY_VARIABLE, "present")
    assert isinstance(check.weather_source_from_settings(), ReplayedWeatherSource)
    monkeypatch.setenv(check.REPLAY_VARIABLE, "tomorrow")
    with pytest.raises(ValueError, match="present"):
        check.weather_source_from_settings()
