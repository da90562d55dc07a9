"""Students and instructors: list, get, create, update — always inside the caller's school.

Two kinds of people share this module, so functions carry the kind in their name
(``list_students``, ``update_instructor``…).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.auth.models import Account, AccountRole
from sync.database import scoped
from sync.errors import Conflict, Forbidden, InvalidInput, NotFound
from sync.people.models import Instructor, Student
from sync.people.schemas import (
    InstructorCreate, InstructorRead, InstructorUpdate, StudentCreate, StudentRead, StudentUpdate,
)
from sync.schools.models import School
from sync.weather.minimums import Minimums, TrainingLevel, minimums_for

_STUDENT_REQUIRED = frozenset({"name", "email", "training_level", "night_trained", "availability",
                               "availability_exceptions"})
_INSTRUCTOR_REQUIRED = frozenset({"name", "email", "ratings", "availability",
                                  "availability_exceptions"})
# What an instructor may change on their own record (besides sending its version).
INSTRUCTOR_SELF_SERVICE = frozenset({"availability", "availability_exceptions"})


def _student_json(row: Student) -> dict[str, Any]:
    return StudentRead.model_validate(row).model_dump(mode="json")


def _instructor_json(row: Instructor) -> dict[str, Any]:
    return InstructorRead.model_validate(row).model_dump(mode="json")


def _school_minimums(db: Session, school_id: uuid.UUID) -> dict[TrainingLevel, Minimums]:
    school = db.get(School, school_id)
    result: dict[TrainingLevel, Minimums] = {}
    for level in TrainingLevel:
        values = (school.minimums or {}).get(level.value) if school else None
        if values:
            result[level] = Minimums(float(values["visibility_sm"]), int(values["ceiling_ft"]),
                                     int(values["max_wind_kt"]))
    return result


def check_personal_minimums(db: Session, *, school_id: uuid.UUID, level: TrainingLevel,
                            personal: dict[str, Any] | None) -> None:
    """Personal minimums may only tighten the school's minimums for the student's level."""
    if personal is None:
        return
    school = minimums_for(level, school=_school_minimums(db, school_id))
    looser = [
        ("visibility_sm", personal["visibility_sm"] < school.visibility_sm,
         f"visibility {personal['visibility_sm']} SM is below the school's {school.visibility_sm} SM"),
        ("ceiling_ft", personal["ceiling_ft"] < school.ceiling_ft,
         f"ceiling {personal['ceiling_ft']} ft is below the school's {school.ceiling_ft} ft"),
        ("max_wind_kt", personal["max_wind_kt"] > school.max_wind_kt,
         f"wind {personal['max_wind_kt']} kt is above the school's {school.max_wind_kt} kt"),
    ]
    for name, is_looser, words in looser:
        if is_looser:
            raise InvalidInput(
                f"personal minimums may only be stricter than the school's for {level.described}: "
                f"{words}", field=f"personal_minimums.{name}", rule="PERSONAL_MINIMUMS_LOOSER",
            )


def _check_account(db: Session, *, school_id: uuid.UUID, account_id: uuid.UUID | None,
                   role: AccountRole, model: type, row_id: uuid.UUID | None) -> None:
    if account_id is None:
        return
    account = db.get(Account, account_id)
    if account is None or account.school_id != school_id:
        raise NotFound(f"there is no account with id {account_id} in your school", field="account_id")
    if account.role is not role:
        raise InvalidInput(f"account {account.email} is a {account.role.value}, not a {role.value}",
                           field="account_id")
    taken = db.scalars(select(model).where(model.account_id == account_id)).one_or_none()
    if taken is not None and taken.id != row_id:
        raise Conflict(f"account {account.email} already belongs to {taken.name}",
                       field="account_id", rule="ACCOUNT_TAKEN", conflict={"id": str(taken.id)})


# Students ---------------------------------------------------------------------------------------

def list_students(*, db: Session, school_id: uuid.UUID, offset: int = 0, limit: int = 100,
                  training_level: TrainingLevel | None = None) -> tuple[list[Student], int]:
    filters = (Student.training_level == training_level,) if training_level else ()
    return scoped.page_in_school(db, Student, school_id=school_id, offset=offset, limit=limit,
                                 order_by=Student.name, filters=filters)


def get_student(*, db: Session, school_id: uuid.UUID, student_id: uuid.UUID) -> Student:
    return scoped.get_in_school(db, Student, school_id=school_id, row_id=student_id, what="student")


def create_student(*, db: Session, school_id: uuid.UUID, data: StudentCreate, actor: Account) -> Student:
    values = data.model_dump(exclude_none=True, mode="json")
    scoped.check_new_id(db, Student, data.id)
    _check_account(db, school_id=school_id, account_id=data.account_id, role=AccountRole.STUDENT,
                   model=Student, row_id=None)
    check_personal_minimums(db, school_id=school_id, level=data.training_level,
                            personal=values.get("personal_minimums"))
    if data.night_trained is None:
        values["night_trained"] = data.training_level.night_trained_by_default
    values["training_level"] = data.training_level
    if data.id is not None:
        values["id"] = data.id
    if data.account_id is not None:
        values["account_id"] = data.account_id
    student = Student(school_id=school_id, **values)
    db.add(student)
    scoped.audit(db, actor=actor, action="create", row=student)
    return student


def update_student(*, db: Session, school_id: uuid.UUID, student_id: uuid.UUID,
                   data: StudentUpdate, actor: Account) -> Student:
    student = get_student(db=db, school_id=school_id, student_id=student_id)
    scoped.check_version(student, data.version, what="student", as_json=_student_json)
    changes = data.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
    scoped.refuse_nulls(changes, _STUDENT_REQUIRED)
    if "account_id" in changes:
        _check_account(db, school_id=school_id, account_id=data.account_id,
                       role=AccountRole.STUDENT, model=Student, row_id=student.id)
        changes["account_id"] = data.account_id
    level = data.training_level or student.training_level
    check_personal_minimums(
        db, school_id=school_id, level=level,
        personal=changes["personal_minimums"] if "personal_minimums" in changes
        else student.personal_minimums,
    )
    if "training_level" in changes:
        changes["training_level"] = data.training_level
    before = scoped.snapshot(student)
    for name, value in changes.items():
        setattr(student, name, value)
    scoped.audit(db, actor=actor, action="update", row=student, before=before)
    return student


# Instructors ------------------------------------------------------------------------------------

def list_instructors(*, db: Session, school_id: uuid.UUID, offset: int = 0,
                     limit: int = 100) -> tuple[list[Instructor], int]:
    return scoped.page_in_school(db, Instructor, school_id=school_id, offset=offset, limit=limit,
                                 order_by=Instructor.name)


def get_instructor(*, db: Session, school_id: uuid.UUID, instructor_id: uuid.UUID) -> Instructor:
    return scoped.get_in_school(db, Instructor, school_id=school_id, row_id=instructor_id,
                                what="instructor")


def _ratings(values: list[str]) -> list[str]:
    return sorted(set(values))


def create_instructor(*, db: Session, school_id: uuid.UUID, data: InstructorCreate,
                      actor: Account) -> Instructor:
    values = data.model_dump(exclude_none=True, mode="json")
    scoped.check_new_id(db, Instructor, data.id)
    _check_account(db, school_id=school_id, account_id=data.account_id,
                   role=AccountRole.INSTRUCTOR, model=Instructor, row_id=None)
    values["ratings"] = _ratings(values["ratings"])
    if data.id is not None:
        values["id"] = data.id
    if data.account_id is not None:
        values["account_id"] = data.account_id
    instructor = Instructor(school_id=school_id, **values)
    db.add(instructor)
    scoped.audit(db, actor=actor, action="create", row=instructor)
    return instructor


def update_instructor(*, db: Session, school_id: uuid.UUID, instructor_id: uuid.UUID,
                      data: InstructorUpdate, actor: Account) -> Instructor:
    instructor = get_instructor(db=db, school_id=school_id, instructor_id=instructor_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
    if actor.role is AccountRole.INSTRUCTOR:
        if instructor.account_id != actor.id:
            raise Forbidden("instructors may change only their own record", rule="NOT_YOUR_RECORD")
        for name in changes:
            if name not in INSTRUCTOR_SELF_SERVICE:
                raise Forbidden(f"instructors may change only their availability, not {name}",
                                field=name, rule="NOT_YOUR_FIELD")
    scoped.check_version(instructor, data.version, what="instructor", as_json=_instructor_json)
    scoped.refuse_nulls(changes, _INSTRUCTOR_REQUIRED)
    if "account_id" in changes:
        _check_account(db, school_id=school_id, account_id=data.account_id,
                       role=AccountRole.INSTRUCTOR, model=Instructor, row_id=instructor.id)
        changes["account_id"] = data.account_id
    if "ratings" in changes:
        changes["ratings"] = _ratings(changes["ratings"])
    before = scoped.snapshot(instructor)
    for name, value in changes.items():
        setattr(instructor, name, value)
    scoped.audit(db, actor=actor, action="update", row=instructor, before=before)
    return instructor


__all__ = [
    "INSTRUCTOR_SELF_SERVICE", "check_personal_minimums", "create_instructor",
    "create_student", "get_instructor", "get_student", "list_instructors", "list_students",
    "update_instructor", "update_student",
]
