"""Writing audit events. Call in the same session (and so transaction) as the change itself."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from sync.audit.models import AuditEvent

# Never copied into the trail: the audit log is read by more people than the credentials are.
# A mail's bodies carry the student's signed single-use links.
REDACTED_COLUMNS = frozenset({"password_hash", "token_hash", "body_text", "body_html"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(row: Any) -> dict[str, Any]:
    """The row's column values as JSON-ready data, secrets redacted."""
    values: dict[str, Any] = {}
    for attribute in inspect(row).mapper.column_attrs:
        key = attribute.key
        values[key] = "[redacted]" if key in REDACTED_COLUMNS else _jsonable(getattr(row, key))
    return values


def record(
    *,
    db: Session,
    school_id: uuid.UUID,
    actor: str,
    action: str,
    row: Any,
    before: dict[str, Any] | None = None,
    actor_account_id: uuid.UUID | None = None,
    flush: bool = True,
) -> AuditEvent:
    """Record ``action`` on ``row`` (flushed first, so it has its id and final values;
    ``flush=False``: the caller has just flushed it, with many others)."""
    if flush:
        db.flush()
    event = AuditEvent(
        school_id=school_id,
        actor=actor,
        actor_account_id=actor_account_id,
        action=action,
        table_name=inspect(row).mapper.local_table.name,
        row_id=getattr(row, "id", None),
        before=before,
        after=snapshot(row),
    )
    db.add(event)
    return event
