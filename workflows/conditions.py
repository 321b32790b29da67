"""Conditions for ``@transition(conditions=[...])`` shared by every process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .models import SignOff

if TYPE_CHECKING:
    from .models import WorkflowModel


def all_signed(record: WorkflowModel) -> bool:
    """Every department the current step names has agreed (with or without
    conditions) in this visit of the step."""
    spec = record.current_sign_off_step()
    if spec is None:
        return True
    agreed = set(
        SignOff.objects.filter(
            content_type__app_label=record._meta.app_label,
            content_type__model=record._meta.model_name,
            object_id=record.pk,
            step_seq=record.step_seq,
            decision__in=SignOff.AGREEING,
        ).values_list("role", flat=True)
    )
    return set(spec.roles) <= agreed


all_signed.message = _("Waiting for every department to sign.")  # type: ignore[attr-defined]
