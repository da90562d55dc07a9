"""ApiClient's mail methods against the real service: list the school's mail, send a failed one
again, and the refusal of a mail that was sent."""

from __future__ import annotations

import pytest

from app.services.api_client import Refused
from tests.sync.notify.outbox_rows import SECRET_LINK, failed_mail, sent_mail


def test_a_failed_mail_is_listed_and_retried(api_server, dispatcher_client, seeded_school):
    row_id = failed_mail(api_server.engine, seeded_school.school.school_id)

    page = dispatcher_client.list_notifications(status="FAILED")

    assert page["total"] == 1 and [item["id"] for item in page["items"]] == [str(row_id)]
    assert "body_text" not in page["items"][0] and SECRET_LINK not in str(page)

    retried = dispatcher_client.retry_notification(row_id)

    assert retried["id"] == str(row_id) and retried["status"] == "PENDING"
    assert retried["attempts"] == 0
    assert dispatcher_client.list_notifications(status="FAILED")["total"] == 0
    assert dispatcher_client.list_notifications()["total"] == 1


def test_retrying_a_sent_mail_is_refused_with_the_rule(api_server, dispatcher_client,
                                                       seeded_school, tmp_path):
    row_id = sent_mail(api_server.engine, seeded_school.school.school_id, tmp_path)

    with pytest.raises(Refused) as refused:
        dispatcher_client.retry_notification(row_id)

    assert refused.value.status == 409 and refused.value.rule == "NOTIFICATION_NOT_FAILED"
    assert "this one is SENT" in str(refused.value)
