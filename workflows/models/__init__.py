"""The engine's tables: ``core`` holds the base of every process record and
what hangs off it; ``messages`` what is sent about records (notifications,
reminders, escalations, digests) and the outbox that carries it."""

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
from .messages import (
    Digest,
    Escalation,
    EscalationRule,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Outbox,
    Reminder,
    ScheduleRun,
    render_text,
)

__all__ = [
    "Attachment",
    "CalendarDay",
    "DefaultGrant",
    "Digest",
    "Escalation",
    "EscalationRule",
    "Notification",
    "NotificationPreference",
    "NotificationSettings",
    "Outbox",
    "ReferenceCounter",
    "Reminder",
    "ScheduleRun",
    "SignOff",
    "WorkflowModel",
    "WorkflowQuerySet",
    "attachment_path",
    "render_text",
]
