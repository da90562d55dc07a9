"""/sync: the desktop's replica. ``GET /sync/pull`` (changes after a cursor) and ``POST
/sync/push`` (the desktop's outbox). Dispatchers, admins and instructors; students are refused
(``CurrentUser``); each pushed mutation gets the permissions REST would give it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from sync.deps import DATABASE_INT_MAX, AppSettings, CurrentUser, DbSession
from sync.policy import service as policy_service
from sync.replication import service as replication_service
from sync.replication.schemas import (
    DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PullPage, PushRequest, PushResponse,
)

router = APIRouter()


@router.get("/pull", response_model=PullPage)
def pull(
    request: Request,
    user: CurrentUser,
    cursor: Annotated[int, Query(ge=0, le=DATABASE_INT_MAX,
                                 description="the last server_seq already applied; 0 at first")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    school_id = user.school_id
    # Its own read-only session: all tables from one snapshot (see the service's docstring).
    # The page is answered already serialised (the very bytes ``response_model=PullPage`` would
    # give, see ``pull_json``), without FastAPI validating and dumping the page's models again
    # (docs/benchmarks.md, "Replication"). ``response_model`` stays for the OpenAPI schema.
    with replication_service.snapshot_session(request.app.state.engine) as db:
        body = replication_service.pull_json(db=db, school_id=school_id, cursor=cursor, limit=limit)
    return Response(content=body, media_type="application/json")


def _release(db: Any) -> None:
    db.commit()  # the network must never hold the database's lock (SQLite: from BEGIN)
    db.expire_all()


@router.post("/push", response_model=PushResponse)
def push(body: PushRequest, db: DbSession, user: CurrentUser, settings: AppSettings) -> Any:
    now = datetime.now(UTC)
    # Lessons are judged on the school's booking policy, as REST's are: its forecast is fetched
    # here, before anything is applied.
    policy = policy_service.prepare(
        db=db, school_id=user.school_id, now=now, settings=settings, release=lambda: _release(db),
        places=replication_service.lesson_places(db=db, school_id=user.school_id, request=body))
    results = replication_service.push(db=db, actor=user, request=body, now=now, policy=policy)
    return PushResponse(results=results)
