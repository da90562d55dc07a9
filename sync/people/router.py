"""/students and /instructors. Dispatchers and admins write; instructors read, and may change
their own availability; students are refused (``CurrentUser``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from sync.deps import CurrentUser, DbSession, Offset, SchoolManager
from sync.people import service as people_service
from sync.people.schemas import (
    InstructorCreate, InstructorRead, InstructorsPage, InstructorUpdate, StudentCreate,
    StudentRead, StudentsPage, StudentUpdate,
)
from sync.preconditions import ETAG_HEADER, IfMatch, tagged, with_version
from sync.weather.minimums import TrainingLevel

students_router = APIRouter()
instructors_router = APIRouter()

Limit = Annotated[int, Query(ge=1, le=500)]


@students_router.get("", response_model=StudentsPage)
def list_students(db: DbSession, user: CurrentUser, offset: Offset = 0, limit: Limit = 100,
                  training_level: TrainingLevel | None = None) -> Any:
    items, total = people_service.list_students(db=db, school_id=user.school_id, offset=offset,
                                                limit=limit, training_level=training_level)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@students_router.post("", response_model=StudentRead, status_code=status.HTTP_201_CREATED)
def create_student(body: StudentCreate, db: DbSession, user: SchoolManager) -> Any:
    return people_service.create_student(db=db, school_id=user.school_id, data=body, actor=user)


@students_router.get("/{student_id}", response_model=StudentRead, responses=ETAG_HEADER)
def get_student(student_id: uuid.UUID, db: DbSession, user: CurrentUser, response: Response) -> Any:
    return tagged(response, people_service.get_student(db=db, school_id=user.school_id,
                                                       student_id=student_id))


@students_router.patch("/{student_id}", response_model=StudentRead, responses=ETAG_HEADER)
def update_student(student_id: uuid.UUID, body: StudentUpdate, db: DbSession,
                   user: SchoolManager, if_match: IfMatch, response: Response) -> Any:
    student = people_service.update_student(db=db, school_id=user.school_id, student_id=student_id,
                                            data=with_version(body, if_match), actor=user)
    db.flush()  # the answer carries the new version
    return tagged(response, student)


@instructors_router.get("", response_model=InstructorsPage)
def list_instructors(db: DbSession, user: CurrentUser, offset: Offset = 0,
                     limit: Limit = 100) -> Any:
    items, total = people_service.list_instructors(db=db, school_id=user.school_id,
                                                   offset=offset, limit=limit)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@instructors_router.post("", response_model=InstructorRead, status_code=status.HTTP_201_CREATED)
def create_instructor(body: InstructorCreate, db: DbSession, user: SchoolManager) -> Any:
    return people_service.create_instructor(db=db, school_id=user.school_id, data=body, actor=user)


@instructors_router.get("/{instructor_id}", response_model=InstructorRead, responses=ETAG_HEADER)
def get_instructor(instructor_id: uuid.UUID, db: DbSession, user: CurrentUser,
                   response: Response) -> Any:
    return tagged(response, people_service.get_instructor(db=db, school_id=user.school_id,
                                                          instructor_id=instructor_id))


@instructors_router.patch("/{instructor_id}", response_model=InstructorRead, responses=ETAG_HEADER)
def update_instructor(instructor_id: uuid.UUID, body: InstructorUpdate, db: DbSession,
                      user: CurrentUser, if_match: IfMatch, response: Response) -> Any:
    # Instructors pass here too: the service lets them change their own availability only.
    instructor = people_service.update_instructor(
        db=db, school_id=user.school_id, instructor_id=instructor_id,
        data=with_version(body, if_match), actor=user)
    db.flush()  # the answer carries the new version
    return tagged(response, instructor)
