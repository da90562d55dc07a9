"""Every update names the version it was made on: ``version`` in the body or ``If-Match``.

Without it, 428 (the one error body, rule VERSION_REQUIRED); with a stale one, 409 STALE_VERSION;
a GET of a row (and each update's answer) carries its version as the ETag. Of many updates sent
at once on the same version, exactly one is applied.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from tests.sync.api.booking import lesson, with_fleet
from tests.sync.api.conftest import ApiServer, SignedInSchool

# A change to make to a row of each kind, as its PATCH body (without the version).
CHANGES = {
    "students": {"phone": "555-0100"},
    "instructors": {"phone": "555-0100"},
    "aircraft": {"max_crosswind_kt": 12},
    "flights": {"notes": "bring the headset"},
}


@pytest.fixture
def school(signed_in_school, api_server):
    school = with_fleet(signed_in_school(), api_server)
    booked = school.dispatcher.post("/flights", json=lesson(school))
    assert booked.status_code == 201, booked.text
    school.flight_id = booked.json()["id"]
    return school


def _path(school: SignedInSchool, kind: str) -> str:
    row_id = {"students": school.student_id, "instructors": school.instructor_id,
              "aircraft": school.aircraft_id, "flights": school.flight_id}[kind]
    return f"/{kind}/{row_id}"


@pytest.mark.parametrize("kind", list(CHANGES))
def test_an_update_without_its_version_is_428_and_changes_nothing(school, kind):
    path = _path(school, kind)
    before = school.dispatcher.get(path).json()

    response = school.dispatcher.patch(path, json=CHANGES[kind])

    assert response.status_code == 428, response.text
    body = response.json()
    assert set(body) == {"detail", "rule", "field", "conflict"}
    assert (body["rule"], body["field"], body["conflict"]) == ("VERSION_REQUIRED", "version", None)
    assert "last read" in body["detail"] and "If-Match" in body["detail"]
    assert school.dispatcher.get(path).json() == before


@pytest.mark.parametrize("kind", list(CHANGES))
def test_the_etag_of_a_read_is_the_if_match_of_an_update(school, kind):
    path = _path(school, kind)
    read = school.dispatcher.get(path)
    assert read.headers["ETag"] == f'"{read.json()["version"]}"' == '"1"'

    updated = school.dispatcher.patch(path, json=CHANGES[kind],
                                      headers={"If-Match": read.headers["ETag"]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.headers["ETag"] == '"2"'

    stale = school.dispatcher.patch(path, json=CHANGES[kind], headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["rule"] == "STALE_VERSION"
    again = {key: (f"{value} again" if isinstance(value, str) else value + 1)
             for key, value in CHANGES[kind].items()}
    weak = school.dispatcher.patch(path, json=again, headers={"If-Match": 'W/"2"'})
    assert weak.status_code == 200 and weak.headers["ETag"] == '"3"'
    assert school.dispatcher.get(path).headers["ETag"] == '"3"'


@pytest.mark.parametrize(("headers", "version", "rule"), [
    ({"If-Match": "*"}, None, "INVALID_IF_MATCH"),            # "any version" is a blind update
    ({"If-Match": '"one"'}, None, "INVALID_IF_MATCH"),
    ({"If-Match": '"1", "2"'}, None, "INVALID_IF_MATCH"),
    ({"If-Match": '"1"'}, 2, "VERSIONS_DISAGREE"),
])
def test_an_unusable_if_match_is_invalid_input(school, headers, version, rule):
    path = _path(school, "students")
    body = {"phone": "1"} | ({"version": version} if version is not None else {})
    response = school.dispatcher.patch(path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == rule
    assert school.dispatcher.get(path).json()["version"] == 1
    agreeing = school.dispatcher.patch(path, json={"phone": "1", "version": 1},
                                       headers={"If-Match": '"1"'})
    assert agreeing.status_code == 200


@pytest.mark.parametrize("kind", list(CHANGES))
def test_of_twenty_updates_on_one_version_at_once_exactly_one_wins(school, api_server, kind):
    path = _path(school, kind)
    start = threading.Barrier(20)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def update(n: int) -> None:
        with api_server.client(school.tokens["dispatcher"].access_token) as client:
            start.wait()
            change = {key: (f"{value} {n}" if isinstance(value, str) else value + n % 3)
                      for key, value in CHANGES[kind].items()}
            response = client.patch(path, json=change | {"version": 1})
        with lock:
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=update, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * 19, answers
    assert {body["rule"] for status, body in answers if status == 409} == {"STALE_VERSION"}
    [winner] = [body for status, body in answers if status == 200]
    assert school.dispatcher.get(path).json() == winner and winner["version"] == 2


def test_a_pushed_update_without_a_base_version_is_refused_with_428(school):
    response = school.dispatcher.post("/sync/push", json={"client_id": str(uuid.uuid4()), "mutations": [
        {"mutation_id": str(uuid.uuid4()), "table": "students", "op": "update",
         "row_id": str(school.student_id), "data": {"phone": "blind"}}]})
    [result] = response.json()["results"]
    assert result["status"] == "rejected"
    assert (result["error"]["status_code"], result["error"]["rule"], result["error"]["field"]) == (
        428, "VERSION_REQUIRED", "base_version")
    assert school.dispatcher.get(_path(school, "students")).json()["phone"] is None


def test_the_schema_says_how_updates_name_their_version(api_server: ApiServer):
    paths = api_server.app.openapi()["paths"]
    # The synced rows' (accounts carry no version to name).
    patches = {path: item["patch"] for path, item in paths.items()
               if "patch" in item and path.split("/")[1] in CHANGES}
    assert {path.split("/")[1] for path in patches} == set(CHANGES)
    for path, operation in patches.items():
        assert "428" in operation["responses"], path
        assert "if-match" in {p["name"].lower() for p in operation["parameters"] if p["in"] == "header"}, path
        assert "ETag" in operation["responses"]["200"].get("headers", {}), path
        assert "ETag" in paths[path]["get"]["responses"]["200"].get("headers", {}), path
