"""The weather sources against a real local HTTP server (tests/support/fake_aviationweather.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.weather.errors import UnknownStation, WeatherUnavailable, WeatherUnreadable
from sync.weather.settings import DEFAULT_WEATHER_BASE_URL, weather_base_url
from sync.weather.sources import (
    MAX_RETRY_AFTER_SECONDS,
    USER_AGENT,
    AviationWeatherClient,
    RecordedWeatherSource,
    WeatherSource,
)
from tests.support.fake_aviationweather import (  # noqa: F401 (fake_weather_server is a fixture)
    FakeAviationWeather,
    ScriptedResponse,
    fake_weather_server,
)

AUS_NOW = "KAUS 011753Z 18010KT 10SM FEW250 31/18 A2992"
AUS_EARLIER = "KAUS 011653Z 17008KT 10SM SCT250 30/18 A2993"
SAT_NOW = "KSAT 011751Z 16012G20KT 8SM BKN035 29/19 A2990"
AUS_TAF_NEW = "TAF KAUS 011720Z 0118/0218 18012KT P6SM SCT040"
AUS_TAF_OLD = "TAF KAUS 011120Z 0112/0212 17010KT P6SM BKN030"


@pytest.fixture
def waits() -> list[float]:
    """What the client slept between retries, instead of sleeping."""
    return []


@pytest.fixture
def server(fake_weather_server: FakeAviationWeather) -> FakeAviationWeather:  # noqa: F811
    fake_weather_server.set_metars({"KAUS": [AUS_NOW, AUS_EARLIER], "KSAT": [SAT_NOW]})
    fake_weather_server.set_tafs({"KAUS": [AUS_TAF_NEW, AUS_TAF_OLD]})
    return fake_weather_server


@pytest.fixture
def client(server: FakeAviationWeather, waits: list[float]) -> Iterator[AviationWeatherClient]:
    with AviationWeatherClient(base_url=server.url, sleep=waits.append) as weather:
        yield weather


def station_ids(count: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"K{letters[n // 676]}{letters[n // 26 % 26]}{letters[n % 26]}" for n in range(count)]


# -- answers -----------------------------------------------------------------------------------


def test_metars_and_tafs_are_fetched_newest_first(client: AviationWeatherClient) -> None:
    assert client.fetch_metars(["KAUS", "KSAT"]) == {"KAUS": [AUS_NOW, AUS_EARLIER], "KSAT": [SAT_NOW]}
    assert client.fetch_tafs(["KAUS", "KSAT"]) == {"KAUS": [AUS_TAF_NEW, AUS_TAF_OLD], "KSAT": []}


def test_many_stations_go_in_one_request(client: AviationWeatherClient, server: FakeAviationWeather) -> None:
    client.fetch_metars(["KAUS", "KSAT", "KDFW"])

    [request] = server.requests
    assert request.path == "/api/data/metar"
    assert request.ids == ("KAUS", "KSAT", "KDFW")
    assert request.query["format"] == "json"


def test_station_ids_are_upper_cased_and_asked_for_once(
    client: AviationWeatherClient, server: FakeAviationWeather
) -> None:
    reports = client.fetch_metars(["kaus", " KSAT ", "KAUS", "ksat"])

    assert reports == {"KAUS": [AUS_NOW, AUS_EARLIER], "KSAT": [SAT_NOW]}
    assert [request.ids for request in server.requests] == [("KAUS", "KSAT")]


def test_a_thousand_stations_cost_three_requests_per_product(
    fake_weather_server: FakeAviationWeather,  # noqa: F811
) -> None:
    stations = station_ids(1000)
    fake_weather_server.set_metars({s: [f"{s} 011753Z 00000KT 10SM CLR 20/10 A3000"] for s in stations})
    fake_weather_server.set_tafs({s: [f"TAF {s} 011720Z 0118/0218 00000KT P6SM SKC"] for s in stations})

    with AviationWeatherClient(base_url=fake_weather_server.url) as weather:
        metars = weather.fetch_metars(stations)
        tafs = weather.fetch_tafs(stations)

    assert len(fake_weather_server.requests_for("metar")) == 3
    assert len(fake_weather_server.requests_for("taf")) == 3
    assert all(len(request.ids) <= 400 for request in fake_weather_server.requests)
    assert all(len(metars[station]) == 1 and len(tafs[station]) == 1 for station in stations)


def test_batch_size_is_configurable(server: FakeAviationWeather) -> None:
    with AviationWeatherClient(base_url=server.url, batch_size=2) as weather:
        reports = weather.fetch_metars(["KAUS", "KSAT", "KDFW"])

    assert [request.ids for request in server.requests] == [("KAUS", "KSAT"), ("KDFW",)]
    assert reports["KDFW"] == []


def test_nothing_matching_is_no_data_not_an_error(
    client: AviationWeatherClient, server: FakeAviationWeather
) -> None:
    assert client.fetch_metars(["KDFW", "KHOU"]) == {"KDFW": [], "KHOU": []}
    assert client.fetch_metars([]) == {}
    assert len(server.requests) == 1  # the 204; an empty list asks nothing


@pytest.mark.parametrize("body", ["", "  \n", "[]"], ids=["empty", "blank", "empty-list"])
def test_an_empty_answer_is_no_data(
    client: AviationWeatherClient, server: FakeAviationWeather, body: str
) -> None:
    server.script(ScriptedResponse(200, body, {"Content-Type": "application/json"}))

    assert client.fetch_tafs(["KAUS"]) == {"KAUS": []}


def test_the_client_names_itself(client: AviationWeatherClient, server: FakeAviationWeather) -> None:
    client.fetch_metars(["KAUS"])

    assert server.requests[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("fsp-dispatcher/")
    assert USER_AGENT.endswith("(+flight school weather dispatcher)")


# -- failures and retries ----------------------------------------------------------------------


def test_429_is_retried_after_the_time_the_server_asks_for(
    client: AviationWeatherClient, server: FakeAviationWeather, waits: list[float]
) -> None:
    server.fail_next(429, headers={"Retry-After": "7"})

    assert client.fetch_metars(["KSAT"]) == {"KSAT": [SAT_NOW]}
    assert waits == [7.0]
    assert len(server.requests) == 2


def test_a_long_retry_after_is_capped(
    client: AviationWeatherClient, server: FakeAviationWeather, waits: list[float]
) -> None:
    server.fail_next(429, headers={"Retry-After": "3600"})

    client.fetch_metars(["KSAT"])

    assert waits == [MAX_RETRY_AFTER_SECONDS]


def test_server_errors_are_retried_with_exponential_back_off(
    client: AviationWeatherClient, server: FakeAviationWeather, waits: list[float]
) -> None:
    server.fail_next(503, times=2, headers={"Retry-After": "soon"})  # not a number: back-off decides

    assert client.fetch_tafs(["KAUS"]) == {"KAUS": [AUS_TAF_NEW, AUS_TAF_OLD]}
    assert waits == [0.5, 1.0]


def test_a_server_failing_every_time_is_unavailable_with_a_readable_message(
    client: AviationWeatherClient, server: FakeAviationWeather, waits: list[float]
) -> None:
    server.fail_next(500, times=10)

    with pytest.raises(WeatherUnavailable) as raised:
        client.fetch_metars(["KAUS"])

    message = str(raised.value)
    assert "127.0.0.1 answered 500 Internal Server Error four times for METAR" in message
    assert message.endswith("the next sweep tries again")
    assert len(server.requests) == 4  # the first try and max_retries=3 retries
    assert waits == [0.5, 1.0, 2.0]


def test_other_client_errors_are_not_retried(
    client: AviationWeatherClient, server: FakeAviationWeather, waits: list[float]
) -> None:
    server.fail_next(400, body="Invalid station list")

    refused = r"refused the METAR request with 400 Bad Request.*FSP_WEATHER_URL"
    with pytest.raises(WeatherUnavailable, match=refused):
        client.fetch_metars(["KAUS"])
    assert len(server.requests) == 1
    assert waits == []


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Service maintenance</body></html>",
        '{"error": "too many ids"}',
        "[1, 2]",
        '[{"icaoId": "KAUS"}]',
    ],
    ids=["html", "object", "not-objects", "no-raw-text"],
)
def test_a_garbage_answer_is_unreadable(
    client: AviationWeatherClient, server: FakeAviationWeather, body: str
) -> None:
    server.script(ScriptedResponse(200, body, {"Content-Type": "application/json"}))

    with pytest.raises(WeatherUnreadable, match="127.0.0.1's METAR answer"):
        client.fetch_metars(["KAUS"])


def test_a_slow_answer_is_retried(server: FakeAviationWeather, waits: list[float]) -> None:
    server.script(ScriptedResponse(200, "[]", delay_seconds=2.0))

    with AviationWeatherClient(base_url=server.url, timeout=0.2, sleep=waits.append) as weather:
        assert weather.fetch_metars(["KAUS"]) == {"KAUS": [AUS_NOW, AUS_EARLIER]}
    assert len(server.requests) == 2
    assert waits == [0.5]


def test_a_server_slower_than_the_timeout_every_time_is_unavailable(
    server: FakeAviationWeather, waits: list[float]
) -> None:
    server.delay_seconds = 2.0

    slow = AviationWeatherClient(base_url=server.url, timeout=0.2, max_retries=2, sleep=waits.append)
    with slow as weather:
        with pytest.raises(WeatherUnavailable, match=r"did not answer within 0.2 s three times.*next sweep"):
            weather.fetch_tafs(["KAUS"])
    assert len(server.requests) == 3
    assert waits == [0.5, 1.0]


def test_a_server_that_is_not_there_is_unavailable(waits: list[float]) -> None:
    with FakeAviationWeather() as gone:
        url = gone.url  # a port that was just free and now refuses connections

    with AviationWeatherClient(base_url=url, max_retries=1, sleep=waits.append) as weather:
        with pytest.raises(WeatherUnavailable, match=r"could not be reached \(ConnectError.*twice"):
            weather.fetch_metars(["KAUS"])
    assert waits == [0.5]


def test_a_base_url_that_is_not_http_is_a_configuration_error(waits: list[float]) -> None:
    with AviationWeatherClient(base_url="ftp://aviationweather.gov", sleep=waits.append) as weather:
        with pytest.raises(WeatherUnavailable, match="FSP_WEATHER_URL"):
            weather.fetch_metars(["KAUS"])
    assert waits == []


def test_station_ids_that_cannot_be_stations_are_refused(client: AviationWeatherClient) -> None:
    with pytest.raises(UnknownStation, match="'KAUS,KSAT' is not a station identifier"):
        client.fetch_metars(["KAUS,KSAT"])
    with pytest.raises(TypeError):
        client.fetch_metars("KAUS")


# -- configuration and ownership ---------------------------------------------------------------


def test_fsp_weather_url_is_read_when_the_client_is_made(
    server: FakeAviationWeather, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FSP_WEATHER_URL", server.url + "/")

    with AviationWeatherClient(sleep=lambda s: None) as weather:
        assert weather.fetch_metars(["KSAT"]) == {"KSAT": [SAT_NOW]}
    assert len(server.requests) == 1


def test_without_fsp_weather_url_the_real_api_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FSP_WEATHER_URL", raising=False)

    assert weather_base_url() == DEFAULT_WEATHER_BASE_URL == "https://aviationweather.gov"


def test_a_client_handed_in_is_used_and_left_open(server: FakeAviationWeather) -> None:
    with httpx.Client() as http:
        with AviationWeatherClient(base_url=server.url, http_client=http) as weather:
            weather.fetch_metars(["KAUS"])
        assert not http.is_closed
        assert server.requests[0].headers["user-agent"] == USER_AGENT  # sent per request, not per client


def test_both_sources_are_weather_sources(tmp_path: Path) -> None:
    with AviationWeatherClient(base_url="http://127.0.0.1:9") as weather:
        assert isinstance(weather, WeatherSource)
    assert isinstance(RecordedWeatherSource(tmp_path), WeatherSource)


# -- recorded weather --------------------------------------------------------------------------


def write_json(path: Path, content: object) -> Path:
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_recorded_weather_is_read_filtered_and_newest_first(tmp_path: Path) -> None:
    write_json(
        tmp_path / "metar.json",
        [
            {"icaoId": "KAUS", "obsTime": 1_000, "rawOb": AUS_EARLIER},
            {"icaoId": "KAUS", "obsTime": 4_600, "rawOb": AUS_NOW},
            {"icaoId": "KSAT", "obsTime": 4_500, "rawOb": SAT_NOW},
        ],
    )
    write_json(
        tmp_path / "taf.json",
        [
            {"icaoId": "KAUS", "issueTime": "2024-05-01T11:20:00.000Z", "rawTAF": AUS_TAF_OLD},
            {"icaoId": "KAUS", "issueTime": "2024-05-01T17:20:00.000Z", "rawTAF": AUS_TAF_NEW},
        ],
    )
    recorded = RecordedWeatherSource(tmp_path)

    assert recorded.fetch_metars(["kaus", "KHOU"]) == {"KAUS": [AUS_NOW, AUS_EARLIER], "KHOU": []}
    assert recorded.fetch_tafs(["KAUS", "KSAT"]) == {"KAUS": [AUS_TAF_NEW, AUS_TAF_OLD], "KSAT": []}


def test_a_missing_recording_is_no_data(tmp_path: Path) -> None:
    write_json(tmp_path / "metar.json", [{"icaoId": "KSAT", "obsTime": 1, "rawOb": SAT_NOW}])
    recorded = RecordedWeatherSource(tmp_path)

    assert recorded.fetch_tafs(["KSAT"]) == {"KSAT": []}
    assert recorded.fetch_metars(["KSAT"]) == {"KSAT": [SAT_NOW]}


@pytest.mark.parametrize(
    "content", ['[{"icaoId": "KAUS", "rawOb": ', '{"KAUS": []}'], ids=["not-json", "not-a-list"]
)
def test_a_broken_recording_is_unreadable_and_named(tmp_path: Path, content: str) -> None:
    broken = tmp_path / "metar.json"
    broken.write_text(content, encoding="utf-8")

    with pytest.raises(WeatherUnreadable, match=f"recorded weather file {broken}"):
        RecordedWeatherSource(tmp_path).fetch_metars(["KAUS"])


def test_a_recording_of_the_api_reads_back_as_the_api(
    client: AviationWeatherClient, server: FakeAviationWeather, tmp_path: Path
) -> None:
    stations = ["KAUS", "KSAT"]
    for product in ("metar", "taf"):
        answer = httpx.get(f"{server.url}/api/data/{product}", params={"ids": "KAUS,KSAT", "format": "json"})
        (tmp_path / f"{product}.json").write_bytes(answer.content)
    recorded = RecordedWeatherSource(tmp_path)

    assert recorded.fetch_metars(stations) == client.fetch_metars(stations)
    assert recorded.fetch_tafs(stations) == client.fetch_tafs(stations)
