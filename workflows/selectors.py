"""What waits for whom: the inbox, who a step waits on and who hears of it,
the timeline, escalation look-ups and the digest's content.

Reads only; the rights they rest on are in ``rights``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from .declarations import step_of
from .models import Escalation, EscalationRule, SignOff, WorkflowModel
from .registry import process_models, transition_codename
from .rights import InboxFilter, actionable, inbox_filter, user_roles
from .roles import role_label

# --- Sign-offs and who the step waits on -------------------------------------------------


def current_sign_offs(record: WorkflowModel) -> list[SignOff]:
    """The sign-offs of the record's current step visit (uses a prefetch if there is one)."""
    return [s for s in record.sign_offs.all() if s.step_seq == record.step_seq]


def signatures(record: WorkflowModel) -> dict[str, dt.datetime]:
    """The departments that signed the record's current step visit, and when."""
    return dict(
        SignOff.objects.filter(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            step_seq=record.step_seq,
        ).values_list("role", "signed_at")
    )


def waiting_roles(
    record: WorkflowModel, signed: Mapping[str, Any] | set[str] | None = None
) -> list[str]:
    """The roles the record's current step waits on, in declaration order: while
    departments still have to sign, those departments alone; otherwise the
    roles of the steps expected next. ``signed``: the roles that signed the
    step visit (or a mapping keyed by them), when the caller read them already."""
    if record.is_final:
        return []
    spec = record.current_sign_off_step()
    if spec:
        if signed is None:
            signed = {s.role for s in current_sign_offs(record)}
        unsigned = [r for r in spec.roles if r not in signed]
        if unsigned:
            return unsigned
    roles: list[str] = []
    for t in record.expected_transitions():
        roles.extend(r for r in step_of(t).roles if r not in roles)
    return roles


def waiting_for(record: WorkflowModel) -> list[str | Promise]:
    """The departments expected to move the record on, as the page names them."""
    return [role_label(r) for r in waiting_roles(record)]


def _holders(ct: ContentType, codenames: set[str]) -> Q:
    """Users granted any of these permissions, through a group or directly."""
    perms = Q(permissions__content_type=ct, permissions__codename__in=codenames)
    return Q(groups__in=Group.objects.filter(perms)) | Q(
        user_permissions__content_type=ct, user_permissions__codename__in=codenames
    )


def step_recipients(record: WorkflowModel, cache: dict[Any, Any] | None = None) -> list[Any]:
    """Users who can act on the record's current step, and its owner.

    A step with a record rule (only the salesperson) counts only the users
    the rule lets act on this record, not everyone holding the role. A scan
    passes a ``cache`` so that who holds a state's rights is read once.
    """
    cache = {} if cache is None else cache
    model = type(record)
    state_key = (model._meta.label_lower, record.state)
    if state_key not in cache:
        users = _recipient_users()
        ct = ContentType.objects.get_for_model(model)
        free: set[str] = set()
        ruled: list[tuple[Any, list[Any]]] = []
        roles: set[str] = set()
        for t in record.expected_transitions():
            step = step_of(t)
            roles.update(step.notify)
            codename = transition_codename(t.name)
            if step.rule is None:
                free.add(codename)
            else:
                holders = list(users.filter(_holders(ct, {codename})).distinct())
                ruled.append((step.rule, holders))
        spec = record.current_sign_off_step()
        if spec:
            roles.update(spec.roles)
        who = Q(groups__name__in=roles)
        if free:
            who |= _holders(ct, free)
        cache[state_key] = ({u.pk: u for u in users.filter(who).distinct()}, ruled)
    base, ruled = cache[state_key]
    found = dict(base)
    owner_id = record.owner_id
    if owner_id is not None and owner_id not in found:
        owner_key = ("owner", owner_id)
        if owner_key not in cache:
            cache[owner_key] = _recipient_users().filter(pk=owner_id).first()
        if cache[owner_key] is not None:
            found[owner_id] = cache[owner_key]
    for rule, holders in ruled:
        for user in holders:
            if user.pk not in found and rule.allows(record, user):
                found[user.pk] = user
    return sorted(found.values(), key=lambda u: u.pk)


def owners_prefetch(records: Iterable[WorkflowModel], cache: dict[Any, Any]) -> None:
    """Read the owners of ``records`` that ``cache`` does not hold yet, in one
    query, for ``step_recipients`` to find there (the scan, once a chunk)."""
    wanted = {
        owner_id
        for record in records
        if (owner_id := record.owner_id) is not None and ("owner", owner_id) not in cache
    }
    if not wanted:
        return
    found = {user.pk: user for user in _recipient_users().filter(pk__in=wanted)}
    for owner_id in wanted:
        cache["owner", owner_id] = found.get(owner_id)  # None: inactive, told nothing


def _recipient_users() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("notification_settings")
        .order_by("pk")
    )


# --- Escalations -------------------------------------------------------------------------


def escalation_rules() -> dict[str, EscalationRule]:
    rules = EscalationRule.objects.select_related("manager", "manager__notification_settings")
    return {rule.role: rule for rule in rules.filter(manager__is_active=True)}


def escalations_due(
    record: WorkflowModel,
    now: dt.datetime,
    rules: dict[str, EscalationRule],
    done: set[tuple[int, int, str]] | frozenset = frozenset(),
    signed: Mapping[str, dt.datetime] | None = None,
) -> list[EscalationRule]:
    """The rules of the step's roles whose limit has passed at ``now`` and
    that were not escalated yet. ``done`` holds the (record, step visit,
    role) already escalated and ``signed`` the visit's signatures, both read
    in bulk by the scan.

    The limit runs from the deadline, or, for the role that acts once every
    department has signed, from the last signature if that came later: it
    could not act before.
    """
    due = record.step_due_at
    if due is None or record.is_final or now <= due:
        return []
    spec = record.current_sign_off_step()
    if spec and signed is None:
        signed = signatures(record)
    start = due
    if spec and signed and not set(spec.roles) - set(signed):
        start = max(due, *signed.values())
    return [
        rules[role]
        for role in sorted(waiting_roles(record, signed))
        if role in rules
        and now >= start + rules[role].after
        and (record.pk, record.step_seq, role) not in done
    ]


def record_escalations(record: WorkflowModel) -> QuerySet:
    """Every escalation of the record, for its page (the open ones and its timeline)."""
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("manager")


def escalations_open(user: Any) -> QuerySet:
    """The open escalations a manager has to look at, oldest deadline first."""
    return Escalation.objects.filter(manager=user, resolved_at__isnull=True).order_by(
        "due_at", "pk"
    )


def with_records(escalations: Iterable[Escalation]) -> list[Escalation]:
    """The escalations with their records and what each record's ``subject``
    reads: one query per process, however many there are. An escalation
    whose record is gone is left out."""
    escalations = list(escalations)
    wanted: dict[int, set[int]] = {}
    for e in escalations:
        wanted.setdefault(e.content_type_id, set()).add(e.object_id)
    found: dict[tuple[int, int], WorkflowModel] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        related = getattr(model, "subject_related", ())
        for record in model.objects.select_related(*related).filter(pk__in=ids):
            found[ct_id, record.pk] = record
    shown = []
    for e in escalations:
        record = found.get((e.content_type_id, e.object_id))
        if record is not None:
            e.record = record
            shown.append(e)
    return shown


def escalated_to(user: Any, limit: int | None = None) -> list[Escalation]:
    """The open escalations a manager has to look at, oldest deadline first,
    each with its record (the first ``limit`` of them)."""
    qs = escalations_open(user)
    return with_records(qs if limit is None else qs[:limit])


# --- The inbox and the digest ------------------------------------------------------------


def by_deadline(qs: QuerySet) -> QuerySet:
    return qs.order_by(F("step_due_at").asc(nulls_last=True), "created_at")


# How many rows of each part of the inbox one page shows.
INBOX_PAGE = 25


@dataclass
class InboxSection:
    """A process in the user's inbox: the records waiting for the user (the
    first page of them) and those where the user's step waits on others."""

    model: type[WorkflowModel]
    count: int
    records: list[Any]
    waiting_count: int = 0
    waiting: list[Any] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def label(self) -> Any:
        return self.model.process_name()

    @property
    def more(self) -> bool:
        return self.count > len(self.records)

    @property
    def more_waiting(self) -> bool:
        return self.waiting_count > len(self.waiting)


def sign_label(record: WorkflowModel) -> str | Promise:
    """A signature the record waits for, as the inbox names it."""
    spec = record.current_sign_off_step()
    step = (spec.label if spec else "") or record.state_label(record.state)
    return format_lazy(_("Sign: {step}"), step=step)


def _flag(clause: Q) -> Case:
    return Case(When(clause, then=Value(True)), default=Value(False), output_field=BooleanField())


class _Part:
    """One part (``todo`` or ``waiting``) of a process's inbox as a query whose
    rows say which of the user's steps each one is about."""

    def __init__(self, model: type[WorkflowModel], found: InboxFilter, part: str) -> None:
        self.model, self.part = model, part
        flags: dict[str, Any] = {}
        self.steps: list[tuple[str, Any]] = []
        for i, (t, now, later) in enumerate(found.steps):
            clause = now if part == "todo" else later
            if clause is None:
                continue
            flags[f"_wf_step{i}"] = _flag(clause)
            self.steps.append((f"_wf_step{i}", t))
        self.sign = part == "todo" and found.sign is not None
        if self.sign:
            flags["_wf_sign"] = _flag(found.sign)
        where = found.todo if part == "todo" else found.waiting
        qs = model.objects.filter(where).exclude(state__in=model.final_states)
        qs = qs.select_related(*model.subject_related).annotate(**flags)
        if part == "waiting":
            qs = qs.prefetch_related("sign_offs")
        self.qs = by_deadline(qs)

    def label(self, records: Iterable[WorkflowModel]) -> list[WorkflowModel]:
        """Name on each record the steps it waits for (and, waiting on others, whom)."""
        records = list(records)
        for record in records:
            names: list[Any] = []
            if self.sign and getattr(record, "_wf_sign", False):
                names.append(sign_label(record))
            seen: set[str] = set()
            for flag, t in self.steps:
                if getattr(record, flag, False) and t.name not in seen:
                    seen.add(t.name)
                    names.append(step_of(t).label)
            record.inbox_steps = names
            if self.part == "waiting":
                record.waiting_on = waiting_for(record)
        return records


def inbox_part(
    model: type[WorkflowModel], user: AbstractBaseUser, part: str = "todo"
) -> _Part | None:
    """The ``todo`` or ``waiting`` part of the user's inbox for one process, or
    None when the user has nothing there."""
    found = inbox_filter(model, user)
    if found is None or (part == "waiting" and found.waiting is None):
        return None
    return _Part(model, found, part)


def _first(part: _Part | None, limit: int) -> tuple[int, list[Any]]:
    if part is None:
        return 0, []
    records = part.label(part.qs[:limit])
    count = len(records) if len(records) < limit else part.qs.count()
    return count, records


def inbox(user: AbstractBaseUser, limit: int = INBOX_PAGE) -> list[InboxSection]:
    """Per process: how many records wait for the user and the most urgent of
    them, and how many of the user's steps wait on others, with the first of
    them. A fixed number of queries per process, however many records."""
    sections = []
    for model in process_models():
        found = inbox_filter(model, user)
        if found is None:
            continue
        count, records = _first(_Part(model, found, "todo"), limit)
        waiting = _Part(model, found, "waiting") if found.waiting is not None else None
        waiting_count, waiting_rows = _first(waiting, limit)
        sections.append(InboxSection(model, count, records, waiting_count, waiting_rows))
    return sections


def waiting_on(
    record: WorkflowModel,
    user: AbstractBaseUser,
    actions: Iterable[Any] = (),
    signed: set[str] | None = None,
) -> list[str | Promise]:
    """Who the record waits on, as its page tells ``user``: "you" (or "your
    sign-off") for what the user can do now, then the other departments.

    ``actions`` are the user's ``available_actions`` on the record; ``signed``
    the roles that signed this visit of the step, when the caller has read
    them. Built on ``waiting_roles``, the one answer to who the step waits on.
    """
    spec = record.current_sign_off_step()
    if signed is None:
        signed = {s.role for s in current_sign_offs(record)} if spec else set()
    roles = waiting_roles(record, signed)
    if not roles:
        return []
    mine = user_roles(user)
    if spec and any(r not in signed for r in spec.roles):
        acting = {r for r in roles if r in mine or user.is_superuser}
        you: str | Promise = _("your sign-off")
    else:
        enabled = [a for a in actions if a.enabled and a.step.inbox]
        acting = {r for a in enabled for r in a.step.roles} if enabled else set()
        you = _("you")
    names: list[str | Promise] = [you] if acting & set(roles) else []
    names.extend(role_label(r) for r in roles if r not in acting)
    return names


@dataclass
class DigestSection:
    model: type[WorkflowModel]
    overdue: list[Any] = field(default_factory=list)
    due: list[Any] = field(default_factory=list)

    @property
    def label(self) -> Any:
        return self.model.process_name()


@dataclass
class DigestContent:
    sections: list[DigestSection]
    escalations: list[Escalation]

    @property
    def count(self) -> int:
        records = sum(len(s.overdue) + len(s.due) for s in self.sections)
        return records + len(self.escalations)


def digest_content(user: Any, now: dt.datetime) -> DigestContent:
    """What is overdue or falls due by the end of today for ``user``: the steps
    they can take, and the steps escalated to them."""
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=0)
    sections = []
    for model in process_models():
        qs = actionable(model, user)
        if qs is None:
            continue
        rows = list(qs.filter(step_due_at__lte=end_of_day).order_by("step_due_at", "pk"))
        if rows:
            section = DigestSection(model)
            for record in rows:
                (section.overdue if record.step_due_at < now else section.due).append(record)
            sections.append(section)
    return DigestContent(sections, escalated_to(user))


# --- The timeline ------------------------------------------------------------------------


def timeline(record: WorkflowModel, escalations: list[Escalation]) -> list[dict[str, Any]]:
    """The audit trail with sign-offs, attachments and escalations, oldest first."""
    model = type(record)
    entries: list[dict[str, Any]] = []
    for log in StateLog.objects.for_(record).select_related("by").order_by("timestamp", "pk"):
        if model.transition_named(log.transition):
            label = model.step_of(log.transition).label
        else:
            label = model.start_label(log.transition)
        entries.append(
            {
                "kind": "step",
                "at": log.timestamp,
                "user": log.by,
                "label": label,
                "source": model.state_label(log.source_state) if log.source_state else "",
                "target": model.state_label(log.state),
                "comment": log.description or "",
            }
        )
    for s in record.sign_offs.select_related("user"):
        spec = model.sign_off_steps.get(s.state)
        decisions = dict(spec.decisions) if spec else {}
        entries.append(
            {
                "kind": "signoff",
                "at": s.signed_at,
                "user": s.user,
                "label": role_label(s.role),
                "decision": s.decision,
                "decision_label": decisions.get(s.decision) or s.get_decision_display(),
                "comment": s.comment,
            }
        )
    for a in record.attachments.select_related("uploaded_by"):
        entries.append(
            {"kind": "attachment", "at": a.uploaded_at, "user": a.uploaded_by, "attachment": a}
        )
    for e in escalations:
        entries.append({"kind": "escalation", "at": e.escalated_at, "user": None, "escalation": e})
    entries.sort(key=lambda e: e["at"])
    return entries
