"""What waits for whom: the inbox, who a step waits on and who hears of it,
the timeline, escalation look-ups and the digest's content.

Reads only; the rights they rest on are in ``rights``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from .declarations import step_of
from .models import (
    ADMIN_BEFORE,
    ADMIN_CHANGE,
    Escalation,
    EscalationRule,
    NotificationPreference,
    SignOff,
    WorkflowModel,
    admin_history,
)
from .registry import process_models, transition_codename
from .rights import (
    InboxFilter,
    actionable,
    inbox_filter,
    source_states,
    states_overlap,
    user_roles,
)
from .roles import role_label

if TYPE_CHECKING:
    from django_fsm import Transition

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
    """Users who can act on the record's current step, and its owner, as
    each chose to hear of the process (``NotificationPreference``): nothing
    for those who chose nothing; the owner who cannot act on the step only
    if they chose every step, or the record reached its outcome (a final
    state) and they did not choose nothing.

    A step with a record rule (only the salesperson) counts only the users
    the rule lets act on this record, not everyone holding the role. A scan
    passes a ``cache`` so that who holds a state's rights is read once. The
    choices are read in the same queries as the users: constant queries.
    """
    cache = {} if cache is None else cache
    model = type(record)
    label = model._meta.label_lower
    spec = record.current_sign_off_step()
    # The departments asked may differ per record (``SignOffStep.asked_field``).
    state_key = (label, record.state, spec.roles if spec else ())
    if state_key not in cache:
        ct = ContentType.objects.get_for_model(model)
        users = _recipient_users().exclude(Exists(_chose(ct, NotificationPreference.Level.NONE)))
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
        owner_key = ("owner", label, owner_id)
        if owner_key not in cache:
            owners_prefetch([record], cache)
        owner = cache[owner_key]
        if owner is not None and _owner_told(owner.notify_level, record):
            found[owner_id] = owner
    for rule, holders in ruled:
        for user in holders:
            if user.pk not in found and rule.allows(record, user):
                found[user.pk] = user
    return sorted(found.values(), key=lambda u: u.pk)


def _chose(ct: ContentType, level: str | None = None) -> QuerySet:
    """The choice of the user of the outer query for the process of ``ct``
    (of ``level``, if given)."""
    chosen = NotificationPreference.objects.filter(user=OuterRef("pk"), content_type=ct)
    return chosen.filter(level=level) if level else chosen


def _owner_told(level: str | None, record: WorkflowModel) -> bool:
    """Whether an owner who cannot act on the step hears of it."""
    levels = NotificationPreference.Level
    level = level or NotificationPreference.DEFAULT
    return level == levels.ALL or (level == levels.MINE and record.is_final)


def owners_prefetch(records: Iterable[WorkflowModel], cache: dict[Any, Any]) -> None:
    """Read the owners of ``records`` (of one model) that ``cache`` does not
    hold yet, each with their choice for the process, in one query, for
    ``step_recipients`` to find there (the scan, once a chunk)."""
    records = list(records)
    if not records:
        return
    model = type(records[0])
    label = model._meta.label_lower
    wanted = {
        owner_id
        for record in records
        if (owner_id := record.owner_id) is not None and ("owner", label, owner_id) not in cache
    }
    if not wanted:
        return
    ct = ContentType.objects.get_for_model(model)
    owners = _recipient_users().filter(pk__in=wanted)
    owners = owners.annotate(notify_level=Subquery(_chose(ct).values("level")[:1]))
    found = {user.pk: user for user in owners}
    for owner_id in wanted:
        cache["owner", label, owner_id] = found.get(owner_id)  # None: inactive, told nothing


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
    rows say which of the user's steps each one is about.

    A step is told by the record's state when no other step of the part (nor
    the user's signature) is taken from that state; only the steps that share
    a state with another are told by a flag the query computes."""

    def __init__(self, model: type[WorkflowModel], found: InboxFilter, part: str) -> None:
        self.model, self.part = model, part
        # (the step's filter in this part, its transition, its source states or None for any)
        candidates: list[tuple[Q, Transition, frozenset[str] | None]] = []
        for t, now, later in found.steps:
            clause = now if part == "todo" else later
            if clause is not None:
                candidates.append((clause, t, source_states(t)))
        self.sign = part == "todo" and found.sign is not None
        sign_states = found.sign_states if self.sign else frozenset()

        def shared(i: int, clause: Q, states: frozenset[str] | None) -> bool:
            # Another step from one of its states that may not be possible when it is.
            others = [s for j, (c, _t, s) in enumerate(candidates) if j != i and c != clause]
            if self.sign:
                others.append(sign_states)
            return any(states_overlap(states, s) for s in others)

        flags: dict[str, Any] = {}
        self.steps: list[tuple[str | None, Transition, frozenset[str] | None]] = []
        for i, (clause, t, states) in enumerate(candidates):
            flag = None
            if shared(i, clause, states):
                flag = f"_wf_step{i}"
                flags[flag] = _flag(clause)
            self.steps.append((flag, t, states))
        self.sign_flag: str | None = None
        self.sign_states = sign_states
        if self.sign and any(states_overlap(s, sign_states) for _c, _t, s in candidates):
            self.sign_flag = "_wf_sign"
            flags["_wf_sign"] = _flag(found.sign)
        where = found.todo if part == "todo" else found.waiting
        self.base = model.objects.filter(where).exclude(state__in=model.final_states)
        qs = self.base.select_related(*model.subject_related).annotate(**flags)
        if part == "waiting":
            qs = qs.prefetch_related("sign_offs")
        self.qs = by_deadline(qs)

    def label(self, records: Iterable[WorkflowModel]) -> list[WorkflowModel]:
        """Name on each record the steps it waits for (and, waiting on others, whom)."""
        records = list(records)
        for record in records:
            names: list[Any] = []
            if self.sign and _holds(record, self.sign_flag, self.sign_states):
                names.append(sign_label(record))
            seen: set[str] = set()
            for flag, t, states in self.steps:
                if _holds(record, flag, states) and t.name not in seen:
                    seen.add(t.name)
                    names.append(step_of(t).label)
            record.inbox_steps = names
            if self.part == "waiting":
                record.waiting_on = waiting_for(record)
        return records


def _holds(record: WorkflowModel, flag: str | None, states: frozenset[str] | None) -> bool:
    """Whether a row of a part is about a step (or signature): its flag when the
    query computed one, else its state."""
    if flag is not None:
        return bool(getattr(record, flag, False))
    return states is None or record.state in states


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
    count = len(records) if len(records) < limit else part.base.count()
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
                "state": s.state,
                "step_seq": s.step_seq,
                "role": s.role,
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
    entries.extend(admin_changes(record))
    entries.sort(key=lambda e: e["at"])
    return entries


def has_history(record: WorkflowModel) -> bool:
    """Whether anything about the record is audited (a step, its opening)."""
    return StateLog.objects.for_(record).exists()


# Written by the engine on a record's save, never changed in the admin.
UNAUDITED_FIELDS = ("updated_at",)


def admin_changes(record: WorkflowModel) -> list[dict[str, Any]]:
    """The record's changes made in the admin, as timeline entries with each
    field's old and new value: django-simple-history's diff of the row as it
    was (``ADMIN_BEFORE``) and as it became (``ADMIN_CHANGE``). One query, and
    one per kind of related record a change names (a customer, a person)."""
    history = admin_history(type(record))
    if history is None:
        return []
    manager = getattr(record, type(record)._meta.simple_history_manager_attribute)
    rows = manager.select_related("history_user").order_by("history_date", "history_id")
    entries: list[dict[str, Any]] = []
    related: dict[Any, set[Any]] = {}
    before = None
    for row in rows:
        if row.history_change_reason == ADMIN_BEFORE:
            before = row
            continue
        if row.history_change_reason != ADMIN_CHANGE or before is None:
            continue
        delta = row.diff_against(before, excluded_fields=UNAUDITED_FIELDS)
        changes = []
        for change in delta.changes:
            field = type(record)._meta.get_field(change.field)
            if field.many_to_one or field.one_to_one:
                related.setdefault(field.related_model, set()).update(
                    v for v in (change.old, change.new) if v is not None
                )
            changes.append({"field": field, "old": change.old, "new": change.new})
        before = None
        if changes:
            entries.append(
                {
                    "kind": "admin",
                    "at": row.history_date,
                    "user": row.history_user,
                    "changes": changes,
                    "comment": "",
                }
            )
    names = {model: model._default_manager.in_bulk(ids) for model, ids in related.items()}
    for entry in entries:
        for change in entry["changes"]:
            field = change["field"]
            change["label"] = field.verbose_name
            change["old"] = _shown(field, change["old"], names)
            change["new"] = _shown(field, change["new"], names)
    return entries


def _shown(field: Any, value: Any, names: Mapping[Any, Mapping[Any, Any]]) -> Any:
    """A field's value as the record page shows it: a related record or person by
    name, a choice by its label, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if field.many_to_one or field.one_to_one:
        found = names.get(field.related_model, {}).get(value)
        if found is None:
            return f"#{value}"
        if isinstance(found, AbstractBaseUser):
            return found.get_full_name() or found.get_username()
        return str(found)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- Signatures on a printout ------------------------------------------------------------


@dataclass
class SignatureLine:
    """A role's line on a printout: who signed for it and when, where the record says."""

    role: str
    label: Any
    user: Any = None
    at: dt.datetime | None = None


def signature_roles(model: type[WorkflowModel]) -> tuple[str, ...]:
    """The roles that sign the model's printouts: its ``print_signatures``, or the
    creator roles, the roles of the steps expected of someone (not cancelling)
    and the sign-off departments, in the order they are declared."""
    if model.print_signatures is not None:
        return tuple(model.print_signatures)
    roles: dict[str, None] = dict.fromkeys(model.creator_roles)
    for transition in model.workflow_transitions():
        step = step_of(transition)
        if step.inbox:
            roles.update(dict.fromkeys(step.roles))
    for spec in model.sign_off_steps.values():
        roles.update(dict.fromkeys(spec.roles))
    return tuple(roles)


def _steps_of_several_roles(model: type[WorkflowModel]) -> bool:
    return len(model.creator_roles) > 1 or any(
        len(step_of(t).roles) > 1 for t in model.workflow_transitions()
    )


def signature_lines(record: WorkflowModel) -> list[SignatureLine]:
    """One line per signing role, with the name and date of the last step or
    sign-off taken for that role; blank where nobody has. Two queries (three
    when a step may be taken by several roles)."""
    model = type(record)
    lines = {role: SignatureLine(role, role_label(role)) for role in signature_roles(model)}
    logs = StateLog.objects.for_(record).select_related("by").order_by("timestamp", "pk")
    if _steps_of_several_roles(model):  # who held which role: the takers' groups
        logs = logs.prefetch_related("by__groups")
    for log in logs:
        if log.by is None:
            continue
        if model.transition_named(log.transition):
            roles = model.step_of(log.transition).roles
        else:  # the entry that opened the record
            roles = model.creator_roles
        held = roles
        if len(roles) > 1:  # the roles the user holds among them
            groups = {g.name for g in log.by.groups.all()}
            held = tuple(r for r in roles if r in groups)
        for role in held:
            if role in lines:
                lines[role].user, lines[role].at = log.by, log.timestamp
    for s in record.sign_offs.select_related("user").order_by("signed_at", "pk"):
        if s.role in lines:
            lines[s.role].user, lines[s.role].at = s.user, s.signed_at
    return list(lines.values())


def sign_off_conditions(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conditions departments agreed on, from the timeline's entries: those
    of the last visit of each sign-off step (a visit that was refused and
    signed again replaces the earlier conditions), oldest first."""
    signoffs = [e for e in entries if e["kind"] == "signoff"]
    last_visit: dict[str, int] = {}
    for e in signoffs:
        last_visit[e["state"]] = max(last_visit.get(e["state"], 0), e["step_seq"])
    return [
        e
        for e in signoffs
        if e["decision"] == SignOff.Decision.CONDITIONAL and e["step_seq"] == last_visit[e["state"]]
    ]
