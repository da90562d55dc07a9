"""Reading and changing one school's rows: the pattern every domain's service shares.

Every lookup filters on the caller's school, so another school's id is NotFound, exactly like
an id that does not exist; a new row's client-chosen id that is taken gets one refusal whoever
holds it. Every change is audited with the row before and after, and must name the ``version``
it was made on: none is PreconditionRequired, a stale one a Conflict carrying the server's row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.audit import service as audit_service
from sync.auth.models import Account
from sync.errors import Conflict, InvalidInput, NotFound, PreconditionRequired

Row = TypeVar("Row")

MAX_PAGE = 500


def get_in_school(db: Session, model: type[Row], *, school_id: uuid.UUID, row_id: uuid.UUID,
                  what: str) -> Row:
    row = db.scalars(
        select(model).where(model.id == row_id, model.school_id == school_id,
                            model.deleted_at.is_(None))
    ).one_or_none()
    if row is None:
        raise NotFound(f"there is no {what} with id {row_id} in your school", field="id")
    return row


# One answer for every taken id: "already exists", a conflicting row, or anything that differs
# with who holds the id would let a caller probe which ids exist in other schools.
ID_UNUSABLE = "this id cannot be used: generate a new one (a random UUID) and send again"


def check_new_id(db: Session, model: type, row_id: uuid.UUID | None) -> None:
    """A client-chosen id for a new row of ``model``: refused if any row, of any school, has it."""
    if row_id is not None and db.get(model, row_id) is not None:
        raise Conflict(ID_UNUSABLE, field="id", rule="ID_TAKEN")


def page_in_school(db: Session, model: type[Row], *, school_id: uuid.UUID, offset: int, limit: int,
                   order_by: Any, filters: tuple[Any, ...] = ()) -> tuple[list[Row], int]:
    conditions = (model.school_id == school_id, model.deleted_at.is_(None), *filters)
    total = db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    rows = db.scalars(
        select(model).where(*conditions).order_by(order_by, model.id)
        .offset(offset).limit(min(limit, MAX_PAGE))
    ).all()
    return [*rows], total


def require_version(sent_version: int | None, *, what: str) -> int:
    """The version an update says it was made on; without one it could silently undo a change
    made since the client read the row (last write wins), so it is refused."""
    if sent_version is None:
        raise PreconditionRequired(
            f"say which version of this {what} you changed: send the version from your last read "
            f'of it, as "version" in the body or an If-Match: "<version>" header (the ETag a GET '
            "of the row answers)",
            field="version", rule="VERSION_REQUIRED",
        )
    return sent_version


def check_version(row: Any, sent_version: int | None, *, what: str,
                  as_json: Callable[[Any], dict[str, Any]]) -> None:
    """The update was made on the row's current version. SQLAlchemy's ``version_id_col``
    (``SyncedMixin``) makes the UPDATE itself conditional on that version too, so of two updates
    made on the same version that pass here at once, only the first to write wins."""
    if require_version(sent_version, what=what) != row.version:
        raise Conflict(
            f"this {what} was changed by someone else (you edited version {sent_version}, it is "
            f"now at version {row.version}): review the current values and try again",
            rule="STALE_VERSION", field="version", conflict=as_json(row),
        )


def refuse_nulls(changes: Mapping[str, Any], required: frozenset[str]) -> None:
    for name, value in changes.items():
        if value is None and name in required:
            raise InvalidInput(f"{name} cannot be empty", field=name)


def audit(db: Session, *, actor: Account, action: str, row: Any,
          before: dict[str, Any] | None = None) -> None:
    audit_service.record(
        db=db, school_id=row.school_id, actor=actor.email, actor_account_id=actor.id,
        action=action, row=row, before=before,
    )


def snapshot(row: Any) -> dict[str, Any]:
    return audit_service.snapshot(row)
