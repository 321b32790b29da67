"""Conditions for ``@transition(conditions=[...])`` shared by every process."""

from __future__ import annotations

from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
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


def _all_signed_q(model: type[WorkflowModel]) -> Q:
    """``all_signed`` as a filter: the records whose current step needs no
    more signatures (the inbox reads it in the database, with the records)."""
    ct = ContentType.objects.get_for_model(model)
    states = []
    for state, spec in model.sign_off_steps.items():
        agreed = []
        for role in spec.roles:
            signed = Exists(
                SignOff.objects.filter(
                    content_type=ct,
                    object_id=OuterRef("pk"),
                    step_seq=OuterRef("step_seq"),
                    role=role,
                    decision=SignOff.Decision.AGREE,
                )
            )
            # A department not asked on a record is not waited for.
            agreed.append(signed | ~spec.asked_q(role) if spec.asked_field else signed)
        states.append(Q(state=state) & reduce(and_, agreed, Q()))
    outside = ~Q(state__in=list(model.sign_off_steps))
    return reduce(or_, states, outside)


# A condition may say the same as a filter, ``q(model)``: the inbox then tells
# a step that waits on others from one that waits for the user.
all_signed.q = _all_signed_q  # type: ignore[attr-defined]
