"""/metrics: the caller's school's numbers for the last 30 days (staff only; students are refused
by ``CurrentUser``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from sync.deps import CurrentUser, DbSession
from sync.metrics import service as metrics_service
from sync.metrics.schemas import Metrics

router = APIRouter()


@router.get("", response_model=Metrics)
def get_metrics(db: DbSession, user: CurrentUser) -> Any:
    return metrics_service.school_metrics(db=db, school_id=user.school_id, now=datetime.now(UTC))
