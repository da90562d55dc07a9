"""The service layer's errors, one hierarchy: what a caller did that the service refuses.

Services raise these; the HTTP layer maps them to status codes (``NotFound`` 404, ``Conflict``
409, ``InvalidInput`` 422) and the CLI to exit status 2. Each names the rule or field, so the
message can tell a person what to fix.
"""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    """A value is malformed or breaks a rule on its own (an unknown airport, a short password)."""


class NotFound(ServiceError):
    """The row does not exist, or belongs to another school (which must look the same)."""


class Conflict(ServiceError):
    """The request clashes with existing data (a taken e-mail, a double booking)."""
