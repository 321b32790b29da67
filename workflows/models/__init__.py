"""The engine's tables: ``core`` holds the base of every process record and
what hangs off it; ``messages`` what is sent about records (notifications,
reminders, escalations, digests) and the outbox that carries it; ``lists``
what a user keeps of a list (saved filters)."""

from .core import (
    Attachment,
    CalendarDay,
    DefaultGrant,
    ReferenceCounter,
    SignOff,
    WorkflowModel,
    WorkflowQuerySet,
    attachment_path,
)
from .lists import SavedFilter
from .messages import (
    Digest,
    Escalation,
    EscalationRule,
    Notification,
    NotificationSettings,
    Outbox,
    Reminder,
    ScheduleRun,
)

__all__ = [
    "Attachment",
    "CalendarDay",
    "DefaultGrant",
    "Digest",
    "Escalation",
    "EscalationRule",
    "Notification",
    "NotificationSettings",
    "Outbox",
    "ReferenceCounter",
    "Reminder",
    "SavedFilter",
    "ScheduleRun",
    "SignOff",
    "WorkflowModel",
    "WorkflowQuerySet",
    "attachment_path",
]
