"""/policy: the caller's school's booking policy. Staff read it (the desktop shows why a booking
warns); admins change it, audited (students are refused by ``CurrentUser``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from sync.auth.models import Account, AccountRole
from sync.deps import CurrentUser, DbSession, require_roles
from sync.policy import service as policy_service
from sync.policy.schemas import PolicyRead, PolicyUpdate
from sync.preconditions import ETAG_HEADER, IfMatch, tagged, with_version

router = APIRouter()

Admin = Annotated[Account, Depends(require_roles(AccountRole.ADMIN))]


@router.get("", response_model=PolicyRead, responses=ETAG_HEADER)
def get_policy(db: DbSession, user: CurrentUser, response: Response) -> Any:
    """Every rule (what it does now, its default, its words) and the numbers the rules use."""
    school = tagged(response, policy_service.get_policy(db=db, school_id=user.school_id))
    return policy_service.policy_json(school)


@router.put("", response_model=PolicyRead, responses=ETAG_HEADER)
def update_policy(body: PolicyUpdate, db: DbSession, user: Admin, if_match: IfMatch,
                  response: Response) -> Any:
    """Change rules (block, warn, off) and numbers; what is not sent stays as it is. ``version``
    (or If-Match) is the one from GET /policy."""
    school = policy_service.update_policy(db=db, actor=user, school_id=user.school_id,
                                          data=with_version(body, if_match))
    db.flush()  # the answer carries the new version
    return policy_service.policy_json(tagged(response, school))
