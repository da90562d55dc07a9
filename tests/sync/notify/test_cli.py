"""``fsp-sync mail send-due --once``."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from sync.cli import main
from sync.notify.models import Notification, NotificationStatus


def test_send_due_once_delivers_to_the_configured_folder(
    committed_engine, sessions, queue_mail, use_database, monkeypatch, tmp_path, capsys
):
    from datetime import UTC, datetime

    row_id = queue_mail("ada@example.com", now=datetime.now(UTC))
    use_database(committed_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("FSP_MAIL", f"file:{tmp_path / 'outbox'}")
    monkeypatch.setenv("FSP_MAIL_FROM", "School <dispatch@school.example>")
    assert main(["mail", "send-due", "--once"]) == 0
    assert "1 due: 1 sent, 0 to retry, 0 failed" in capsys.readouterr().out
    [path] = (tmp_path / "outbox").iterdir()
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert message["To"] == "ada@example.com" and message["From"] == "School <dispatch@school.example>"
    with sessions() as db:
        assert db.get(Notification, row_id).status == NotificationStatus.SENT


def test_a_bad_fsp_mail_is_explained(use_database, committed_engine, monkeypatch, capsys):
    use_database(committed_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("FSP_MAIL", "smtp:/nohost")
    assert main(["mail", "send-due", "--once"]) == 1
    error = capsys.readouterr().err
    assert "FSP_MAIL='smtp:/nohost'" in error and "smtp://user:password@host:port" in error
