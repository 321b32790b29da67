"""The one way to change a process record's state, and the engine's other writes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from django_fsm_log.helpers import FSMLogDescriptor
from django_fsm_log.models import StateLog

from .declarations import SignOffStep, compute_due, step_of
from .forms import transition_form
from .models import (
    ADMIN_BEFORE,
    ADMIN_CHANGE,
    ADMIN_DELETE,
    Attachment,
    DocumentRevision,
    Escalation,
    Notification,
    Reminder,
    SignOff,
    WorkflowModel,
    admin_history,
)
from .outbox import outbox_add
from .rights import (
    attach_refusal,
    may_attach,
    may_create_for_others,
    rule_allows,
    transition_from,
    unmet_message,
    user_roles,
)
from .roles import role_label
from .uploads import detect_content_type

if TYPE_CHECKING:
    from django_fsm import Transition

logger = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A request the engine refuses with a message for the user; nothing changed."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


class StaleRecord(WorkflowError):
    pass


class StepNotAvailable(WorkflowError):
    pass


class FormInvalid(WorkflowError):
    def __init__(self, form: forms.BaseForm) -> None:
        super().__init__(_("Please correct the errors below."))
        self.form = form


STALE_MESSAGE = _(
    "This record was changed by someone else while you were looking at it "
    "(or the step was already taken). Nothing was changed: please check its "
    "current state and try again."
)


# Writes


def _audit(
    record: WorkflowModel,
    *,
    user: AbstractBaseUser,
    source: str | None,
    target: str,
    name: str,
    comment: str = "",
) -> StateLog:
    return StateLog.objects.create(
        content_object=record,
        by=user,
        source_state=source,
        state=target,
        transition=name,
        description=comment or None,
    )


def _enter_step(record: WorkflowModel, due_rule: Any) -> None:
    now = timezone.now()
    record.step_seq += 1
    record.step_started_at = now
    due = None if record.is_final else compute_due(due_rule, record, now)
    final = record.final_deadline
    if final is not None and not record.is_final:
        due = final if due is None else min(due, final)
    record.step_due_at = due


# The Celery task (workflows.tasks) that tells those concerned of a step entered.
NOTIFY_STEP = "workflows.tasks.notify_step"


def _queue_notifications(record: WorkflowModel) -> None:
    """Tell those concerned of the step the record entered, through the outbox:
    written with the change, so it is sent even if the broker is away now."""
    ct_id = ContentType.objects.get_for_model(record).pk
    outbox_add(NOTIFY_STEP, ct_id, record.pk, record.step_seq)


def escalations_resolve(record: WorkflowModel, role: str | None = None) -> int:
    """Close the record's open escalations (of one role, when it signed)."""
    qs = Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        resolved_at__isnull=True,
    )
    if role is not None:
        qs = qs.filter(role=role)
    return qs.update(resolved_at=timezone.now())


# More digits than any step number or version will have; int() of thousands of them is refused.
_MAX_SEQ_DIGITS = 18


def posted_seq(data: Mapping[str, Any], name: str = "_seq") -> int:
    """The step number (or draft version) the page showed, from its hidden field.

    Every form of a step, a sign-off or a draft sends it. A POST without one in
    plain digits did not come from the page as shown, so it is refused as stale
    (``StaleRecord`` with the engine's stale-page message) before anything is read.
    """
    value = data.get(name)
    if not (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= _MAX_SEQ_DIGITS
    ):
        raise StaleRecord(STALE_MESSAGE)
    return int(value)


def _lock(record: WorkflowModel) -> WorkflowModel:
    return type(record).objects.select_for_update().get(pk=record.pk)


def _ensure_fresh(locked: WorkflowModel, seen_seq: int | None) -> None:
    """Refuse a page that showed an earlier step (stale, or submitted twice)."""
    if seen_seq is not None and locked.step_seq != seen_seq:
        raise StaleRecord(STALE_MESSAGE)


def _run(
    locked: WorkflowModel,
    transition: Transition,
    user: AbstractBaseUser,
    comment: str,
    data: dict[str, Any],
) -> None:
    step = step_of(transition)
    with (
        FSMLogDescriptor(locked, "by", user),
        FSMLogDescriptor(locked, "description", comment or None),
    ):
        getattr(locked, transition.name)(by=user, data=data)
    _enter_step(locked, step.due)
    locked.save()
    escalations_resolve(locked)


@dataclass(frozen=True)
class StepOutcome:
    """What a step did: the record it moved, and the record its ``effect``
    opened (a new round), if the effect returned one."""

    record: WorkflowModel
    created: WorkflowModel | None = None


def transition_perform(
    *,
    record: WorkflowModel,
    name: str,
    user: AbstractBaseUser,
    data: Any = None,
    files: Any = None,
    seen_seq: int | None = None,
    prefix: str | None = None,
) -> WorkflowModel:
    """Take transition ``name`` on ``record`` for ``user``; the record moved
    (``transition_take`` also gives the record the step opened)."""
    return transition_take(
        record=record,
        name=name,
        user=user,
        data=data,
        files=files,
        seen_seq=seen_seq,
        prefix=prefix,
    ).record


def transition_take(
    *,
    record: WorkflowModel,
    name: str,
    user: AbstractBaseUser,
    data: Any = None,
    files: Any = None,
    seen_seq: int | None = None,
    prefix: str | None = None,
) -> StepOutcome:
    """Take transition ``name`` on ``record`` for ``user``.

    The step's ``effect`` may return the process record it opened (another
    record, such as a new round): the outcome carries it, so that the page
    can take the user there.

    Raises PermissionDenied (wrong role or rule), StaleRecord (the page was
    out of date or the step was already taken), StepNotAvailable (wrong state
    or a condition unmet) or FormInvalid. Any of them leaves the database as
    it was.
    """
    try:
        with transaction.atomic():
            locked = _lock(record)
            declared = locked.transition_named(name)
            if not declared:
                raise StepNotAvailable(_("There is no such step."))
            label = step_of(declared[0]).label
            # The role is checked first: a wrong role is refused as such,
            # whatever the state of the page it came from.
            if not declared[0].has_perm(locked, user):
                raise PermissionDenied(
                    _("Your role may not take the step “%(step)s”.") % {"step": label}
                )
            _ensure_fresh(locked, seen_seq)
            transition = transition_from(locked, name)
            if transition is None:
                raise StepNotAvailable(
                    _("“%(step)s” is not possible while the record is “%(state)s”.")
                    % {"step": label, "state": locked.state_label(locked.state)}
                )
            step = step_of(transition)
            if not rule_allows(step, locked, user):
                raise PermissionDenied(step.rule.message)
            unmet = [c for c in transition.conditions if not c(locked)]
            if unmet:
                raise StepNotAvailable(unmet_message(unmet))
            form = transition_form(
                step, locked, data, files, prefix=prefix, attach=may_attach(locked, user)
            )
            if not form.is_valid():
                raise FormInvalid(form)
            cleaned = dict(form.cleaned_data)
            comment = cleaned.pop("comment", "") or ""
            upload = cleaned.pop("attachment", None)
            source = locked.state
            _run(locked, transition, user, comment, cleaned)
            if upload is not None:
                attachment_add(record=locked, user=user, upload=upload, state=source)
            created = None
            if step.effect is not None:
                effect = step.effect
                if isinstance(effect, str):
                    effect = import_string(effect)
                result = effect(record=locked, user=user, data=cleaned)
                if isinstance(result, WorkflowModel) and result.pk is not None:
                    created = result
            _queue_notifications(locked)
    except (ConcurrentTransition, TransitionNotAllowed):
        raise StaleRecord(STALE_MESSAGE) from None
    return StepOutcome(locked, created)


def transition_follow(
    *, record: WorkflowModel, name: str, user: AbstractBaseUser, comment: str = ""
) -> bool:
    """Take ``name`` on ``record`` as what another step caused (a shipping
    notice's batch shipped moves its order on), inside the caller's
    transaction, for the user who took that step.

    The step that causes it was checked (role, rule, page); this one is not
    a user's choice, so only its state and conditions are: it is taken when
    they allow, audited and notified like any step, and False is returned
    (nothing written) when they do not.
    """
    with transaction.atomic():
        locked = _lock(record)
        transition = transition_from(locked, name)
        if transition is None or not all(c(locked) for c in transition.conditions):
            return False
        _run(locked, transition, user, comment, {})
        step = step_of(transition)
        if step.effect is not None:
            effect = import_string(step.effect) if isinstance(step.effect, str) else step.effect
            effect(record=locked, user=user, data={})
        _queue_notifications(locked)
    return True


def record_start(
    *,
    record: WorkflowModel,
    user: AbstractBaseUser,
    name: str = "create",
    comment: str = "",
    due: Any = None,
) -> WorkflowModel:
    """Save a new record in whatever state it was built with, with its first
    audit entry and notifications."""
    with transaction.atomic():
        record.created_by = user
        if not getattr(record, f"{record.owner_field}_id", None):
            setattr(record, record.owner_field, user)
        _enter_step(record, due if due is not None else record.initial_due)
        record.save()
        _audit(record, user=user, source=None, target=record.state, name=name, comment=comment)
        _queue_notifications(record)
    return record


def owner_check(record: WorkflowModel, user: AbstractBaseUser) -> None:
    """Raises PermissionDenied when a new record names another owner than
    ``user`` and the user may not open records for others (``on_behalf_roles``);
    a process's own creation service calls it as ``record_create`` does."""
    owner_id = getattr(record, f"{record.owner_field}_id", None)
    if owner_id not in (None, user.pk) and not may_create_for_others(user, type(record)):
        raise PermissionDenied(_("You may open a record only in your own name."))


def record_create(
    *, form: forms.ModelForm, user: AbstractBaseUser, due: Any = None
) -> WorkflowModel:
    """Save a new record from a validated form. Raises PermissionDenied when the
    form names another owner and the user may not open records for others."""
    record = form.save(commit=False)
    owner_check(record, user)
    with transaction.atomic():
        record = record_start(record=record, user=user, due=due)
        form.save_m2m()
    return record


def record_attach(
    *,
    record: WorkflowModel,
    user: AbstractBaseUser,
    upload: Any,
    description: str = "",
) -> Attachment:
    """Attach a checked upload to the record for ``user``, at its current step.

    Raises PermissionDenied unless ``workflows.rights.may_attach`` allows it on
    the record as it is now (locked: a record closed meanwhile is refused).
    """
    with transaction.atomic():
        locked = _lock(record)
        if not may_attach(locked, user):
            raise PermissionDenied(attach_refusal(locked, user))
        return attachment_add(record=locked, user=user, upload=upload, description=description)


def attachment_add(
    *,
    record: WorkflowModel,
    user: AbstractBaseUser,
    upload: Any,
    description: str = "",
    state: str | None = None,
) -> Attachment:
    """Store a validated upload on the record at its current step (or ``state``).

    Decides nothing: the attach page goes through ``record_attach``, a step's
    attachment through ``transition_perform``, which check who may attach."""
    mime = detect_content_type(upload) or "application/octet-stream"
    attachment = Attachment(
        record=record,
        original_name=upload.name[:255],
        mime_type=mime,
        size=upload.size,
        state=state or record.state,
        description=description,
        uploaded_by=user,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment


def signoff_record(
    *,
    record: WorkflowModel,
    user: AbstractBaseUser,
    role: str,
    decision: str,
    comment: str = "",
    seen_seq: int | None = None,
) -> SignOff:
    """Record one department's decision on the current sign-off step.

    A refusal takes the step's ``on_refuse`` transition with the reason as
    its comment, so the record goes back with it; the last agreement of the
    departments asked takes its ``on_complete`` transition, if it declares one.
    """
    try:
        with transaction.atomic():
            locked = _lock(record)
            _ensure_fresh(locked, seen_seq)
            spec: SignOffStep | None = locked.current_sign_off_step()
            if spec is None:
                raise StepNotAvailable(_("This step needs no sign-off."))
            if role not in spec.roles:
                raise StepNotAvailable(_("That department does not sign this step."))
            if role not in user_roles(user) and not user.is_superuser:
                raise PermissionDenied(
                    _("You do not belong to %(role)s.") % {"role": role_label(role)}
                )
            if decision == SignOff.Decision.REFUSE and not spec.on_refuse:
                raise StepNotAvailable(_("This step cannot be refused."))
            if decision == SignOff.Decision.REFUSE and not comment.strip():
                raise StepNotAvailable(_("Please give the reason for refusing."))
            if decision not in dict(spec.decisions):
                raise StepNotAvailable(_("That decision is not offered on this step."))
            if decision == SignOff.Decision.CONDITIONAL and not comment.strip():
                raise StepNotAvailable(_("Please state your conditions."))
            if spec.comment_required and not comment.strip():
                raise StepNotAvailable(_("Please write your department's opinion."))
            ct = ContentType.objects.get_for_model(locked)
            if SignOff.objects.filter(
                content_type=ct, object_id=locked.pk, step_seq=locked.step_seq, role=role
            ).exists():
                raise StaleRecord(
                    _("%(role)s has already signed this step.") % {"role": role_label(role)}
                )
            sign_off = SignOff.objects.create(
                content_type=ct,
                object_id=locked.pk,
                state=locked.state,
                step_seq=locked.step_seq,
                role=role,
                user=user,
                decision=decision,
                comment=comment,
            )
            if decision == SignOff.Decision.REFUSE:
                transition = transition_from(locked, spec.on_refuse)
                if transition is None:
                    raise StepNotAvailable(_("This step cannot be refused now."))
                reason = f"{role_label(role)}: {comment}"
                _run(locked, transition, user, reason, {})
                _queue_notifications(locked)  # back to the step the refusal leads to
            else:
                escalations_resolve(locked, role)
                if spec.on_complete:  # the last department asked moves the record on
                    transition_follow(record=locked, name=spec.on_complete, user=user)
    except (ConcurrentTransition, TransitionNotAllowed):
        raise StaleRecord(STALE_MESSAGE) from None
    return sign_off


# Changes made in the admin (``workflows.admin.WorkflowAdminMixin``)


def admin_change_save(record: WorkflowModel, user: AbstractBaseUser, fields: list[str]) -> None:
    """Save what the admin changed (``fields``, none of them a workflow field) and,
    for a model with ``AdminHistory``, the row as it was and as it is now. Only
    ``fields`` are written, so a step taken meanwhile keeps what it set."""
    model = type(record)
    history = admin_history(model)
    with transaction.atomic():
        before = model.objects.select_for_update().get(pk=record.pk)
        if history is not None:
            history.record(before, user, ADMIN_BEFORE, "~")
        try:
            record.save(update_fields=[*fields, "updated_at"])
        except ConcurrentTransition:
            raise StaleRecord(STALE_MESSAGE) from None
        if history is not None:
            history.record(model.objects.get(pk=record.pk), user, ADMIN_CHANGE, "~")


def record_dependents(record: WorkflowModel) -> dict[Any, int]:
    """What the engine keeps about a record outside its own table and the
    relations Django's deletion collects: its audit entries, reminders,
    escalations and notifications, by model, with their counts."""
    ct = ContentType.objects.get_for_model(record)
    return {
        model: count
        for model, count in (
            (StateLog, StateLog.objects.for_(record).count()),
            (Reminder, Reminder.objects.filter(content_type=ct, object_id=record.pk).count()),
            (Escalation, Escalation.objects.filter(content_type=ct, object_id=record.pk).count()),
            (
                Notification,
                Notification.objects.filter(content_type=ct, object_id=record.pk).count(),
            ),
        )
        if count
    }


def admin_record_delete(record: WorkflowModel, user: AbstractBaseUser) -> None:
    """Delete a record with everything that hangs off it (a superuser's decision,
    confirmed in the admin). Its change history is kept, with a last row saying
    who deleted it."""
    if not user.is_superuser:
        raise PermissionDenied(_("Only a superuser may delete a record with a history."))
    ct = ContentType.objects.get_for_model(record)
    history = admin_history(type(record))
    with transaction.atomic():
        if history is not None:
            history.record(record, user, ADMIN_DELETE, "-")
        StateLog.objects.for_(record).delete()
        for model in (Reminder, Escalation, Notification):
            model.objects.filter(content_type=ct, object_id=record.pk).delete()
        record.delete()


# Revisions of a document (``workflows.models.DocumentRevision``): numbered, frozen on
# submit, the last submitted one approved. Called by a step's effect, inside
# the transition's transaction.


def revisions_of(record: WorkflowModel, model: type[DocumentRevision]) -> Any:
    """The record's revisions of the document ``model``."""
    return model.objects.filter(**{model.record_field: record})


def revision_draft(record: WorkflowModel, model: type[DocumentRevision]) -> DocumentRevision | None:
    """The revision being written (not submitted yet), if any."""
    return (
        revisions_of(record, model).filter(submitted_at__isnull=True).order_by("-revision").first()
    )


def revision_next(
    record: WorkflowModel, model: type[DocumentRevision], *, copy: tuple[str, ...] = ()
) -> tuple[DocumentRevision, DocumentRevision | None]:
    """A new revision (not saved), numbered after the record's last one and
    carrying over that one's ``copy`` fields; and that last one (None for the first)."""
    latest = revisions_of(record, model).order_by("-revision").first()
    revision = model(
        **{model.record_field: record}, revision=(latest.revision if latest else 0) + 1
    )
    if latest is not None:
        for name in copy:
            setattr(revision, name, getattr(latest, name))
    return revision, latest


def revision_freeze(
    *, record: WorkflowModel, model: type[DocumentRevision], user: AbstractBaseUser
) -> DocumentRevision | None:
    """Submit the revision being written: from now on it is read, never changed.
    None when none is being written."""
    draft = revision_draft(record, model)
    if draft is None:
        return None
    now = timezone.now()
    model.objects.filter(pk=draft.pk, submitted_at__isnull=True).update(
        submitted_at=now, submitted_by=user
    )
    draft.submitted_at, draft.submitted_by = now, user
    return draft


def revision_submit(
    *,
    record: WorkflowModel,
    model: type[DocumentRevision],
    user: AbstractBaseUser,
    values: Mapping[str, Any],
) -> DocumentRevision:
    """Keep ``values`` (a document written in the step's own fields) as the
    record's next revision, frozen at once."""
    revision, _latest = revision_next(record, model)
    for name, value in values.items():
        setattr(revision, name, value)
    revision.submitted_at, revision.submitted_by = timezone.now(), user
    revision.save()
    return revision


def revision_approve(
    *, record: WorkflowModel, model: type[DocumentRevision], user: AbstractBaseUser
) -> DocumentRevision | None:
    """Approve the last submitted revision (the one the approving step read)."""
    latest = (
        revisions_of(record, model).filter(submitted_at__isnull=False).order_by("-revision").first()
    )
    if latest is not None:
        now = timezone.now()
        model.objects.filter(pk=latest.pk).update(approved_at=now, approved_by=user)
        latest.approved_at, latest.approved_by = now, user
    return latest
