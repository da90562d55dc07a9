"""The service layer's errors, one hierarchy: what a caller did that the service refuses.

Services raise these; the HTTP layer maps them to status codes (``NotFound`` 404, ``Conflict``
409, ``InvalidInput`` 422, ``Forbidden`` 403) and the CLI to exit status 2. Each names the rule
or field, so the message can tell a person what to fix.

- ``field``: the input field at fault, when one is ("departure").
- ``rule``: the business rule broken, a stable code clients may switch on ("STUDENT_DOUBLE_BOOKED").
- ``conflict``: the existing data the request clashes with (the other lesson's id, start, end),
  JSON-ready, so a client can show it.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        conflict: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.conflict = conflict


class InvalidInput(ServiceError):
    """A value is malformed or breaks a rule on its own (an unknown airport, a short password)."""


class NotFound(ServiceError):
    """The row does not exist, or belongs to another school (which must look the same)."""


class Conflict(ServiceError):
    """The request clashes with existing data (a taken e-mail, a double booking)."""


class Forbidden(ServiceError):
    """The caller may see the row but not change it (an instructor and another's lesson)."""
