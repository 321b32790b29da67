"""Changes made to a record in the admin, kept with django-simple-history.

A process model adopts it with one line, ``history = AdminHistory()``, and a
migration of its app. Only the admin writes history (``WorkflowAdminMixin``
through ``services.admin_change_save`` and ``services.admin_record_delete``):
the steps are audited by django-fsm-log already, so a step's save writes no
history row and costs no query.

Each change in the admin writes two rows, the record as it was (reason
``ADMIN_BEFORE``) and as it is (``ADMIN_CHANGE``), so that the timeline shows
the old and new value of each field with django-simple-history's own diff,
whatever steps were taken between two changes. A deletion writes a ``-`` row
that outlives the record.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from simple_history.models import HistoricalRecords

ADMIN_BEFORE = "admin:before"
ADMIN_CHANGE = "admin:change"
ADMIN_DELETE = "admin:delete"


class AdminHistory(HistoricalRecords):
    """``HistoricalRecords`` that records only when the engine's admin asks it."""

    def finalize(self, sender: type[models.Model], **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        if sender is self.cls:  # the model that declares it (not an unrelated one)
            sender._admin_history = self

    def post_save(self, instance: models.Model, created: bool, using: Any = None, **kwargs) -> None:
        """Saves write no history: the admin writes it (``record``)."""

    def post_delete(self, instance: models.Model, using: Any = None, **kwargs) -> None:
        """Deletions write no history by themselves either."""

    def record(self, instance: models.Model, user: Any, reason: str, history_type: str) -> None:
        """One history row of ``instance`` as it is now, by ``user``."""
        instance._history_user = user
        instance._change_reason = reason
        try:
            self.create_historical_record(instance, history_type)
        finally:
            del instance._history_user, instance._change_reason


def admin_history(model: type[models.Model]) -> AdminHistory | None:
    """The model's ``AdminHistory``, or None when it keeps none."""
    found = model.__dict__.get("_admin_history")
    return found if isinstance(found, AdminHistory) else None
