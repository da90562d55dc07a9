"""/sync: the desktop's replica. ``GET /sync/pull`` (changes after a cursor) and ``POST
/sync/push`` (the desktop's outbox). Dispatchers, admins and instructors; students are refused
(``CurrentUser``); each pushed mutation gets the permissions REST would give it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from sync.deps import DATABASE_INT_MAX, CurrentUser, DbSession
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


@router.post("/push", response_model=PushResponse)
def push(body: PushRequest, db: DbSession, user: CurrentUser) -> Any:
    results = replication_service.push(db=db, actor=user, request=body, now=datetime.now(UTC))
    return PushResponse(results=results)
