"""The engine's tables: ``core`` holds the base of every process record and
what hangs off it; ``messages`` what is sent about records (notifications,
reminders, escalations, digests) and the outbox that carries it; ``lists``
what a user keeps of a list (saved filters); ``revisions`` the base of a
document's frozen revisions."""

from .company import CompanyProfile
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
from .documents import DocumentRevision
from .history import ADMIN_BEFORE, ADMIN_CHANGE, ADMIN_DELETE, AdminHistory, admin_history
from .lists import SavedFilter
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
    "ADMIN_BEFORE",
    "ADMIN_CHANGE",
    "ADMIN_DELETE",
    "AdminHistory",
    "Attachment",
    "CalendarDay",
    "CompanyProfile",
    "DefaultGrant",
    "Digest",
    "DocumentRevision",
    "Escalation",
    "EscalationRule",
    "Notification",
    "NotificationPreference",
    "NotificationSettings",
    "Outbox",
    "ReferenceCounter",
    "Reminder",
    "SavedFilter",
    "ScheduleRun",
    "SignOff",
    "WorkflowModel",
    "WorkflowQuerySet",
    "admin_history",
    "attachment_path",
    "render_text",
]
