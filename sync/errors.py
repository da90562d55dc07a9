"""The service layer's errors, one hierarchy: what a caller did that the service refuses.

Services raise these; the HTTP layer maps them to status codes (``NotFound`` 404, ``Conflict``
409, ``InvalidInput`` 422, ``Forbidden`` 403, ``PreconditionRequired`` 428) and the CLI to exit
status 2. Each names the rule
or field, so the message can tell a person what to fix.

- ``field``: the input field at fault, when one is ("departure").
- ``rule``: the business rule broken, a stable code clients may switch on ("STUDENT_DOUBLE_BOOKED").
- ``conflict``: the existing data the request clashes with (the other lesson's id, start, end),
  JSON-ready, so a client can show it.
- ``warnings``: the school's booking-policy warnings a request must acknowledge before it is
  done (``NeedsAcknowledgement``): ``[{code, text}]``.
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
        warnings: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.conflict = conflict
        self.warnings = warnings


class InvalidInput(ServiceError):
    """A value is malformed or breaks a rule on its own (an unknown airport, a short password)."""


class NotFound(ServiceError):
    """The row does not exist, or belongs to another school (which must look the same)."""


class Conflict(ServiceError):
    """The request clashes with existing data (a taken e-mail, a double booking)."""


class NeedsAcknowledgement(Conflict):
    """The request breaks only rules the school lets a person book over, once told: ``warnings``
    says which; the same request with ``acknowledge: [codes]`` is done (``sync.policy``)."""


class Forbidden(ServiceError):
    """The caller may see the row but not change it (an instructor and another's lesson)."""


class PreconditionRequired(ServiceError):
    """A change that must name the version it was made on did not (an update without ``version``
    or ``If-Match``): applied blind, it could overwrite someone else's change unseen."""


# The HTTP status each kind of refusal answers (``sync.api`` maps them for REST); for answers
# that carry several refusals in one body (a recurring booking's refused occurrences).
HTTP_STATUS: dict[type[ServiceError], int] = {
    InvalidInput: 422, NotFound: 404, Conflict: 409, Forbidden: 403, PreconditionRequired: 428,
}


def http_status(exc: ServiceError) -> int:
    for kind in type(exc).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 400
