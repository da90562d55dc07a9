"""The product's workflow end to end, through real HTTP, on SQLite and PostgreSQL.

A storm moves in (clear METAR, TAF with TEMPO TSRA, served by the local aviationweather.gov
stand-in); a sweep cancels exactly the lessons it hits inside the decision window; the request
with three options shows in ``GET /reschedule``; the mails go out through a real SMTP server
(aiosmtpd, STARTTLS and login) or moto's SES server; the student's link — taken out of the
delivered message — picks an option over HTTP; the instructor, signed in over HTTP, confirms; the
new lesson is booked, the old one RESCHEDULED, both are mailed; ``GET /metrics`` counts it.

Each test has a school at an airport of its own, and only that airport has weather on its fake
server: the sweep judges every school's lessons in the (shared) e2e database, and the others'
come out UNKNOWN, which changes nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import Parser
from urllib.parse import urlsplit

import boto3
import httpx
import pytest

from sync.database.session import make_sessionmaker, session_scope
from sync.flights.models import Flight
from sync.notify.backends import SesBackend, SmtpBackend
from sync.notify.sender import deliver_due
from sync.people.models import Student
from sync.schools.models import School
from sync.sweep.service import run_sweep
from sync.weather.sources import AviationWeatherClient
from tests.support.fake_aviationweather import FakeAviationWeather
from tests.support.fake_openai import FakeOpenAI, candidates_in
from tests.sync.api.conftest import SignedInSchool, login
from tests.sync.factories import make_aircraft, make_flight, make_instructor, make_school, make_student
from tests.sync.sweep.storm import STORMS, expected_status, metar, taf

SENDER = "Hill Country Aviation <dispatch@hill.example>"
LINK = re.compile(r"https?://[^\s\"'<>]+/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+[^\s\"'<>]*")

# Two-hour lessons, hours after the sweep's clock (storm.STORMS: thunderstorms 2–6 h and 24–28 h
# out; the TAF covers 30 h; the decision window is the default 24 h).
STORM_LESSON = 3  # hit inside the window: cancelled and rescheduled
CLEAR_LESSONS = (8, 12)  # between the storms: GO
BEYOND_TAF = 40  # no forecast yet: UNKNOWN, nothing changes
NEIGHBOUR_AT_RISK = 25  # another school at the same airport, hit outside the window: AT_RISK


def _sweep_clock() -> datetime:
    # A whole hour (the storm's TAF groups are hours after it), at least five minutes ago, so the
    # time from detection to confirmation is measurably positive.
    return (datetime.now(UTC) - timedelta(minutes=5)).replace(minute=0, second=0, microsecond=0)


@dataclass
class Scene:
    school: SignedInSchool
    now: datetime
    lessons: dict[int, uuid.UUID]  # hours after now -> flight id (this school)
    neighbour_lesson: uuid.UUID
    neighbour_school: uuid.UUID
    storm_student_email: str
    instructor_email: str


def _scene(api_server, signed_in_school, station: str) -> Scene:
    now = _sweep_clock()
    school = signed_in_school(home_airport=station)
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        assert row.decision_window_hours == 24 and row.reschedule_reply_hours == 48
        db.get(Student, school.student_id).night_trained = True
        aircraft = make_aircraft(db, row, home_airport=station)
        lessons = {}
        # The storm lesson is the signed-in student's and instructor's (they have accounts).
        lessons[STORM_LESSON] = make_flight(
            db, row, student_id=school.student_id, instructor_id=school.instructor_id,
            aircraft_id=aircraft.id, departure=station,
            start_at=now + timedelta(hours=STORM_LESSON)).id
        for hours in (*CLEAR_LESSONS, BEYOND_TAF):
            tag = uuid.uuid4().hex[:6]
            student = make_student(db, row, email=f"student-{tag}@school.example", night_trained=True)
            instructor = make_instructor(db, row, email=f"cfi-{tag}@school.example")
            lessons[hours] = make_flight(db, row, student_id=student.id, instructor_id=instructor.id,
                                         aircraft_id=aircraft.id, departure=station,
                                         start_at=now + timedelta(hours=hours)).id
        neighbour = make_school(db, home_airport=station)
        neighbour_lesson = make_flight(
            db, neighbour, departure=station, start_at=now + timedelta(hours=NEIGHBOUR_AT_RISK),
            student_id=make_student(db, neighbour, night_trained=True).id).id
        neighbour_id = neighbour.id
    return Scene(school=school, now=now, lessons=lessons, neighbour_lesson=neighbour_lesson,
                 neighbour_school=neighbour_id, storm_student_email=school.emails["student"],
                 instructor_email=school.emails["instructor"])


def _storm_over(station: str, now: datetime) -> FakeAviationWeather:
    server = FakeAviationWeather(now=now)
    server.set_metars({station: [metar(station, now)]})
    server.set_tafs({station: [taf(station, now, storms=STORMS)]})
    return server


def _sweep(api_server, station: str, now: datetime):
    with _storm_over(station, now) as weather:
        source = AviationWeatherClient(base_url=weather.url, max_retries=0, timeout=5,
                                       sleep=lambda _: None)
        run = run_sweep(session_factory=make_sessionmaker(api_server.engine), source=source, now=now)
        asked = {station_id for request in weather.requests for station_id in request.ids}
    assert station in asked
    return run


def _flights(client: httpx.Client) -> dict[str, dict]:
    response = client.get("/flights")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def _assert_the_storm_cancelled_exactly_its_lesson(api_server, scene: Scene) -> None:
    flights = _flights(scene.school.dispatcher)
    for hours, flight_id in scene.lessons.items():
        assert flights[str(flight_id)]["status"] == expected_status(hours).value, (hours, flights)
    assert flights[str(scene.lessons[STORM_LESSON])]["status"] == "WEATHER_CANCELLED"
    assert {hours for hours, flight_id in scene.lessons.items()
            if flights[str(flight_id)]["status"] == "WEATHER_CANCELLED"} == {STORM_LESSON}
    # Hit outside the window (another school, same airport): only AT_RISK, no request.
    assert expected_status(NEIGHBOUR_AT_RISK).value == "AT_RISK"
    with session_scope(api_server.engine) as db:
        assert db.get(Flight, scene.neighbour_lesson).status.value == "AT_RISK"


def _the_request(scene: Scene) -> dict:
    response = scene.school.dispatcher.get("/reschedule")
    assert response.status_code == 200, response.text
    [request] = response.json()["items"]
    assert request["flight_id"] == str(scene.lessons[STORM_LESSON])
    assert request["state"] == "PENDING_STUDENT"
    assert [option["rank"] for option in request["options"]] == [1, 2, 3]
    lesson_start = scene.now + timedelta(hours=STORM_LESSON)
    for option in request["options"]:
        start, end = (datetime.fromisoformat(option[key]) for key in ("start_at", "end_at"))
        assert end - start == timedelta(hours=2) and start > scene.now
        assert option["justification"]
    detected = datetime.fromisoformat(request["detected_at"])
    assert detected == scene.now
    expires = datetime.fromisoformat(request["expires_at"])
    first_start = min(datetime.fromisoformat(o["start_at"]) for o in request["options"])
    assert expires == min(scene.now + timedelta(hours=48), first_start)
    assert lesson_start not in {datetime.fromisoformat(o["start_at"]) for o in request["options"]}
    return request


def _to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [message for message in messages if address in str(message["To"])]


def _student_link(messages: list[EmailMessage], scene: Scene, api_server) -> str:
    """The link in the student's delivered cancellation mail (the token without ``?option=``)."""
    [mail] = [m for m in _to(messages, scene.storm_student_email)
              if m["Subject"].startswith("Weather cancellation")]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    links = {urlsplit(url)._replace(query="").geturl() for url in LINK.findall(text)}
    assert len(links) == 1, text
    link = links.pop()
    assert link.startswith(f"{api_server.url}/r/")
    assert link.rsplit("/", 1)[1] in html
    return link


def _student_picks(link: str, request: dict, instructor_id: uuid.UUID) -> dict:
    """GET the page (three options), POST the first option the lesson's instructor teaches."""
    with httpx.Client(timeout=30) as browser:
        page = browser.get(link)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.text.count("<form") == 3
        for rank in (1, 2, 3):
            assert f"Choose option {rank}" in page.text
        theirs = [o for o in request["options"] if o["instructor_id"] == str(instructor_id)]
        assert theirs, request["options"]  # the lesson's own instructor comes first
        chosen = theirs[0]
        answer = browser.post(link, data={"option": str(chosen["rank"])})
        assert answer.status_code == 200 and "Thank you" in answer.text, answer.text
        assert browser.get(link).status_code == 410  # single use
    return chosen


def _instructor_confirms(api_server, scene: Scene, request: dict) -> dict:
    with api_server.client() as client:
        signed_in = login(client, scene.instructor_email)
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["account"]["role"] == "instructor"
    with api_server.client(signed_in.json()["access_token"]) as instructor:
        state = instructor.get(f"/reschedule/{request['id']}")
        assert state.status_code == 200 and state.json()["state"] == "PENDING_INSTRUCTOR"
        confirmed = instructor.post(f"/reschedule/{request['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["state"] == "ACCEPTED" and body["confirmed_at"] and body["new_flight_id"]
    return body


def _assert_booked(scene: Scene, chosen: dict, accepted: dict) -> None:
    flights = _flights(scene.school.dispatcher)
    old, new = flights[str(scene.lessons[STORM_LESSON])], flights[accepted["new_flight_id"]]
    assert old["status"] == "RESCHEDULED"
    assert new["status"] == "SCHEDULED"
    assert (new["start_at"], new["end_at"]) == (chosen["start_at"], chosen["end_at"])
    assert new["aircraft_id"] == chosen["aircraft_id"]
    assert new["instructor_id"] == chosen["instructor_id"]
    assert new["student_id"] == str(scene.school.student_id)
    assert new["rescheduled_from_id"] == str(scene.lessons[STORM_LESSON])
    for hours in (*CLEAR_LESSONS, BEYOND_TAF):
        assert flights[str(scene.lessons[hours])]["status"] == "SCHEDULED"


def _assert_metrics(scene: Scene) -> None:
    response = scene.school.dispatcher.get("/metrics")
    assert response.status_code == 200, response.text
    body = response.json()
    totals = body["totals"]
    assert totals["weather_conflicts"] == 1
    assert totals["reschedules_accepted"] == 1
    assert totals["average_reschedule_minutes"] is not None and totals["average_reschedule_minutes"] > 0
    assert body["last_sweep"] is not None


def _subjects(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(str(message["Subject"]) for message in _to(messages, address))


def _assert_all_sent(report) -> None:
    assert report.failed == 0 and report.retried == 0, report.errors


# -- the chain, mail through SMTP ------------------------------------------------------------------

def test_storm_to_confirmed_lesson_with_mail_over_smtp(api_server, signed_in_school, same_settings,
                                                        smtp_server) -> None:
    controller, inbox, client_tls, _ = smtp_server
    smtp = SmtpBackend(host="127.0.0.1", port=controller.port, username="dispatch", password="s3cret",
                       ssl_context=client_tls, timeout=5)
    sessions = make_sessionmaker(api_server.engine)
    scene = _scene(api_server, signed_in_school, "KAUS")

    run = _sweep(api_server, "KAUS", scene.now)
    assert run.finished_at is not None and run.counts["actions"]["cancelled"] >= 1
    _assert_the_storm_cancelled_exactly_its_lesson(api_server, scene)
    request = _the_request(scene)
    assert request["produced_by"] == "deterministic"

    _assert_all_sent(deliver_due(session_factory=sessions, backend=smtp, sender=SENDER))
    messages = inbox.messages()
    [to_student] = _subjects(messages, scene.storm_student_email)
    [to_instructor] = _subjects(messages, scene.instructor_email)
    assert to_student.startswith("Weather cancellation")
    assert to_instructor.startswith("Cancelled for weather")
    link = _student_link(messages, scene, api_server)

    chosen = _student_picks(link, request, scene.school.instructor_id)
    _assert_all_sent(deliver_due(session_factory=sessions, backend=smtp, sender=SENDER))
    asked = [m for m in _to(inbox.messages(), scene.instructor_email)
             if m["Subject"].startswith("Please confirm")]
    assert len(asked) == 1 and f"option {chosen['rank']}" in asked[0]["Subject"]

    accepted = _instructor_confirms(api_server, scene, request)
    _assert_booked(scene, chosen, accepted)
    before = len(inbox.envelopes)
    _assert_all_sent(deliver_due(session_factory=sessions, backend=smtp, sender=SENDER))
    confirmations = [m for m in inbox.messages()[before:] if m["Subject"].startswith("Confirmed")]
    assert {str(m["To"]).split("<")[-1].rstrip(">") for m in confirmations} >= {
        scene.storm_student_email, scene.instructor_email}
    for envelope in inbox.envelopes:
        assert envelope.mail_from == "dispatch@hill.example"
    # Nothing is mailed twice: one message per (recipient, subject).
    seen = [(str(m["To"]), str(m["Subject"])) for m in inbox.messages()]
    assert len(seen) == len(set(seen))

    _assert_metrics(scene)


# -- the chain, mail through SES (moto) ------------------------------------------------------------

def _ses_messages(endpoint: str) -> list[EmailMessage]:
    data = httpx.get(f"{endpoint}/moto-api/data.json").json()
    return [Parser(policy=policy.default).parsestr(raw["raw_data"])
            for raw in data["ses"]["RawMessage"]]


def test_storm_to_confirmed_lesson_with_mail_through_ses(api_server, signed_in_school, same_settings,
                                                         moto_ses) -> None:
    boto3.client("sesv2", region_name="eu-west-1", endpoint_url=moto_ses).create_email_identity(
        EmailIdentity="dispatch@hill.example")
    ses = SesBackend(region="eu-west-1", endpoint_url=moto_ses)
    sessions = make_sessionmaker(api_server.engine)
    scene = _scene(api_server, signed_in_school, "KSAT")

    _sweep(api_server, "KSAT", scene.now)
    _assert_the_storm_cancelled_exactly_its_lesson(api_server, scene)
    request = _the_request(scene)

    _assert_all_sent(deliver_due(session_factory=sessions, backend=ses, sender=SENDER))
    messages = _ses_messages(moto_ses)
    assert any(m["Subject"].startswith("Cancelled for weather") for m in _to(messages, scene.instructor_email))
    link = _student_link(messages, scene, api_server)

    chosen = _student_picks(link, request, scene.school.instructor_id)
    accepted = _instructor_confirms(api_server, scene, request)
    _assert_booked(scene, chosen, accepted)
    _assert_all_sent(deliver_due(session_factory=sessions, backend=ses, sender=SENDER))
    messages = _ses_messages(moto_ses)
    for address in (scene.storm_student_email, scene.instructor_email):
        assert any(m["Subject"].startswith("Confirmed") for m in _to(messages, address)), address
    assert any(m["Subject"].startswith("Please confirm") for m in _to(messages, scene.instructor_email))

    _assert_metrics(scene)


# -- the AI path, against a local OpenAI-compatible server -----------------------------------------

def test_a_configured_model_picks_the_options(api_server, signed_in_school, same_settings,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    scene = _scene(api_server, signed_in_school, "KGTU")
    picked: list[dict] = []

    def good_answer(body: dict) -> str:
        shown = candidates_in(body)
        picked[:] = [shown[i] for i in (4, 0, 2)]
        return json.dumps({"choices": [
            {"id": candidate["id"], "justification": f"The model likes slot {n}."}
            for n, candidate in enumerate(picked)]})

    with FakeOpenAI() as model:
        model.answer_with(good_answer)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", model.url)
        monkeypatch.setenv("FSP_AI_MODEL", "fake-model")
        _sweep(api_server, "KGTU", scene.now)
        assert len(model.requests) == 1  # one cancelled lesson, one question
        assert model.requests[0]["body"]["model"] == "fake-model"

    _assert_the_storm_cancelled_exactly_its_lesson(api_server, scene)
    request = _the_request(scene)
    assert request["produced_by"] == "ai"
    assert {o["start_at"] for o in request["options"]} == {c["start_at"] for c in picked}
    assert {o["justification"] for o in request["options"]} == {
        f"The model likes slot {n}." for n in range(3)}
