"""Every model, imported in one place so that ``Base.metadata`` is complete.

Alembic's autogenerate, the schema tests and anything resolving relationships by name need all
tables registered; a domain that adds a models module adds it here.
"""

from __future__ import annotations

from sync.aircraft.models import Aircraft
from sync.audit.models import AuditEvent
from sync.auth.models import Account, LoginAttempt, PasswordReset, RefreshToken
from sync.database.core import Base
from sync.database.server_seq import SyncCounter
from sync.flights.models import Flight, WeatherCheck
from sync.notify.models import Notification
from sync.people.models import Instructor, Student
from sync.replication.models import SyncMutation
from sync.reschedule.models import RescheduleOption, RescheduleRequest
from sync.schools.models import School
from sync.sweep.models import SweepRun

metadata = Base.metadata

__all__ = [
    "Account", "Aircraft", "AuditEvent", "Base", "Flight", "Instructor", "LoginAttempt",
    "Notification", "PasswordReset", "RefreshToken", "RescheduleOption", "RescheduleRequest", "School", "Student", "SweepRun",
    "SyncCounter", "SyncMutation", "WeatherCheck", "metadata",
]
