"""Notifications seen from the desktop, over real HTTP on SQLite and PostgreSQL: replicated by
``GET /sync/pull`` without their bodies, every status change pulled, ``GET /notifications`` and
``POST /notifications/{id}/retry``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.audit.models import AuditEvent
from sync.auth.models import Account
from sync.database.session import session_scope
from sync.notify import service as notify_service
from sync.notify.models import Notification, NotificationStatus
from tests.sync.api.conftest import api_server, signed_in_school  # noqa: F401
from tests.sync.notify.outbox_rows import (
    LONG_AGO, SECRET_LINK, fail_due_mail, failed_mail, queue, send_due_mail, sent_mail,
)
from tests.sync.replication.test_replication import pull_all

# Exactly what a desktop's replica holds for a mail.
PULLED_FIELDS = {
    "id", "school_id", "flight_id", "kind", "recipient", "subject", "status", "attempts",
    "next_attempt_at", "sent_at", "last_error", "created_at", "updated_at", "version",
    "server_seq",
}


def notification_changes(changes, row_id):
    return [change for change in changes
            if change["table"] == "notifications" and change["id"] == str(row_id)]


@pytest.fixture
def school(signed_in_school):
    return signed_in_school()


def load(api_server, row_id) -> Notification:
    with session_scope(api_server.engine, read_only=True) as db:
        return db.get(Notification, row_id)


# -- replication -----------------------------------------------------------------------------


def test_mail_is_replicated_without_its_bodies_and_its_failure_is_pulled(school, api_server):
    row_id = queue(api_server.engine, school.school_id)

    changes, cursor, _ = pull_all(school.dispatcher)
    [queued] = notification_changes(changes, row_id)
    assert queued["deleted"] is False and set(queued["data"]) == PULLED_FIELDS
    assert queued["data"]["status"] == "PENDING" and queued["data"]["attempts"] == 0
    assert SECRET_LINK not in str(changes)

    report = fail_due_mail(api_server.engine)
    assert report.failed == 1, report

    later, _, _ = pull_all(school.instructor, cursor)
    [failed] = notification_changes(later, row_id)
    assert failed["server_seq"] > queued["server_seq"] and failed["version"] > queued["version"]
    data = failed["data"]
    assert data["status"] == "FAILED" and data["attempts"] == 1 and data["sent_at"] is None
    assert "could not deliver through" in data["last_error"]
    assert set(data) == PULLED_FIELDS and SECRET_LINK not in str(later)


def test_a_sent_mail_is_pulled_as_sent(school, api_server, tmp_path):
    row_id = queue(api_server.engine, school.school_id)
    _, cursor, _ = pull_all(school.dispatcher)

    assert send_due_mail(api_server.engine, tmp_path).sent == 1

    [sent] = notification_changes(pull_all(school.dispatcher, cursor)[0], row_id)
    assert sent["data"]["status"] == "SENT" and sent["data"]["sent_at"] is not None


def test_another_schools_mail_is_never_pulled(school, signed_in_school, api_server):
    other = signed_in_school()
    row_id = failed_mail(api_server.engine, other.school_id)

    changes, _, _ = pull_all(school.dispatcher)
    assert notification_changes(changes, row_id) == []
    assert len(notification_changes(pull_all(other.dispatcher)[0], row_id)) == 1


def test_a_tombstoned_mail_is_pulled_with_minimal_data(school, api_server):
    row_id = failed_mail(api_server.engine, school.school_id)
    _, cursor, _ = pull_all(school.dispatcher)
    with session_scope(api_server.engine) as db:
        db.get(Notification, row_id).tombstone()

    [change] = notification_changes(pull_all(school.dispatcher, cursor)[0], row_id)
    assert change["deleted"] is True and set(change["data"]) == {"id", "school_id", "deleted_at"}
    assert school.dispatcher.post(f"/notifications/{row_id}/retry").status_code == 404


# -- GET /notifications ----------------------------------------------------------------------


def test_the_list_shows_the_schools_mail_newest_first_filtered_and_paged(
        school, signed_in_school, api_server, tmp_path):
    first = failed_mail(api_server.engine, school.school_id, recipient="ada@example.com")
    sent = sent_mail(api_server.engine, school.school_id, tmp_path, recipient="ben@example.com")
    second = failed_mail(api_server.engine, school.school_id, recipient="cy@example.com")
    failed_mail(api_server.engine, signed_in_school().school_id)  # another school's

    page = school.dispatcher.get("/notifications", params={"status": "FAILED"})
    assert page.status_code == 200, page.text
    body = page.json()
    assert [item["id"] for item in body["items"]] == [str(second), str(first)]
    assert body["total"] == 2 and body["offset"] == 0
    assert all(set(item) == PULLED_FIELDS for item in body["items"])
    assert SECRET_LINK not in page.text

    everything = school.instructor.get("/notifications", params={"limit": 1, "offset": 1}).json()
    assert everything["total"] == 3 and [item["id"] for item in everything["items"]] == [str(sent)]
    assert school.dispatcher.get("/notifications", params={"status": "LOST"}).status_code == 422
    assert school.student.get("/notifications").status_code == 403


# -- POST /notifications/{id}/retry ----------------------------------------------------------


def test_a_failed_mail_goes_back_to_the_outbox_audited_and_pulled(school, api_server):
    row_id = failed_mail(api_server.engine, school.school_id)
    _, cursor, _ = pull_all(school.dispatcher)
    before = datetime.now(UTC)

    response = school.dispatcher.post(f"/notifications/{row_id}/retry")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "PENDING" and body["attempts"] == 0
    due = datetime.fromisoformat(body["next_attempt_at"])
    assert before - timedelta(seconds=1) <= due <= datetime.now(UTC) + timedelta(seconds=1)
    assert "could not deliver through" in body["last_error"]  # kept until the next outcome
    row = load(api_server, row_id)
    assert (row.status, row.attempts, row.claimed_until) == (NotificationStatus.PENDING, 0, None)
    assert (body["version"], body["server_seq"]) == (row.version, row.server_seq)

    [pulled] = notification_changes(pull_all(school.dispatcher, cursor)[0], row_id)
    assert pulled["data"] == body

    with session_scope(api_server.engine, read_only=True) as db:
        [event] = db.scalars(select(AuditEvent).where(AuditEvent.row_id == row_id)).all()
    assert (event.action, event.table_name, event.actor) == (
        "retry", "notifications", school.emails["dispatcher"])
    assert event.before["status"] == "FAILED" and event.after["status"] == "PENDING"
    assert event.after["body_text"] == event.after["body_html"] == "[redacted]"
    assert SECRET_LINK not in str(event.before) + str(event.after)

    again = school.admin.post(f"/notifications/{row_id}/retry")
    assert again.status_code == 409 and again.json()["rule"] == "NOTIFICATION_NOT_FAILED"
    assert "already waiting to be sent" in again.json()["detail"]


def test_a_retried_mail_is_sent_at_the_senders_next_pass(school, api_server, tmp_path):
    row_id = failed_mail(api_server.engine, school.school_id)
    retry_at = LONG_AGO + timedelta(minutes=5)  # the sender's clock, see outbox_rows
    with session_scope(api_server.engine) as db:
        admin = db.scalars(select(Account).where(Account.email == school.emails["admin"])).one()
        notify_service.retry(db=db, school_id=school.school_id, notification_id=row_id,
                             actor=admin, now=retry_at)

    report = send_due_mail(api_server.engine, tmp_path, now=retry_at)

    assert (report.claimed, report.sent) == (1, 1)
    row = load(api_server, row_id)
    assert row.status == NotificationStatus.SENT and row.attempts == 1 and row.last_error is None
    assert len(list(tmp_path.iterdir())) == 1


def test_a_sent_mail_is_not_sent_again(school, api_server, tmp_path):
    row_id = sent_mail(api_server.engine, school.school_id, tmp_path)

    response = school.dispatcher.post(f"/notifications/{row_id}/retry")

    assert response.status_code == 409
    body = response.json()
    assert body["rule"] == "NOTIFICATION_NOT_FAILED" and body["field"] == "status"
    assert body["detail"].startswith("only a mail that failed can be sent again; this one is SENT")
    assert body["conflict"]["id"] == str(row_id) and body["conflict"]["status"] == "SENT"
    assert "body_text" not in body["conflict"]
    assert load(api_server, row_id).status == NotificationStatus.SENT


def test_another_schools_mail_cannot_be_retried(school, signed_in_school, api_server):
    row_id = failed_mail(api_server.engine, signed_in_school().school_id)

    response = school.dispatcher.post(f"/notifications/{row_id}/retry")

    assert response.status_code == 404
    assert response.json()["detail"] == f"there is no notification with id {row_id} in your school"
    assert load(api_server, row_id).status == NotificationStatus.FAILED


@pytest.mark.parametrize("role", ["instructor", "student"])
def test_only_dispatchers_and_admins_retry(school, api_server, role):
    row_id = failed_mail(api_server.engine, school.school_id)

    response = school.clients[role].post(f"/notifications/{row_id}/retry")

    assert response.status_code == 403
    assert load(api_server, row_id).status == NotificationStatus.FAILED
