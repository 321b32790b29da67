"""factory_boy factories for the tests, and a walker that takes records through
their declared steps with the engine's one service.

Users get an unusable password (no hashing: the matrix creates hundreds of
them); tests log them in with ``Client.force_login``.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections import deque
from collections.abc import Callable
from typing import Any

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Max
from django.utils import timezone

from orders.models import Customer
from proposals.models import ComparableProject, Proposal, ProposalReport
from samples.models import Board, SampleOrder
from workflows.declarations import OwnerOnly, step_of
from workflows.models import WorkflowModel
from workflows.selectors import current_sign_offs
from workflows.services import record_start, signoff_record, transition_perform


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


# --- Users and master data --------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(roles=["qa", "sales"])`` puts the user in those role groups."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    first_name = factory.Sequence(lambda n: f"Tester{n:04d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(lambda: make_password(None))
    is_active = True

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or not extracted:
            return
        wanted = set(extracted)
        groups = list(Group.objects.filter(name__in=wanted))
        missing = wanted - {g.name for g in groups}
        if missing:
            raise LookupError(f"role groups missing (was sync_roles run?): {sorted(missing)}")
        self.groups.add(*groups)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n:05d} Ltd.")
    contact = "Ms. Lin"
    active = True


class _RecordFactory(factory.django.DjangoModelFactory):
    """Saves through ``record_start``: a reference, a creator, step_seq 1 and the
    "create" audit entry, as the record pages do.

    ``state=`` builds the record directly in another state (the protected
    field accepts its first value in the constructor); ``due=`` is the
    deadline rule of the first step.
    """

    class Meta:
        abstract = True

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    product_name = factory.Sequence(lambda n: f"Product {n:05d}")

    @classmethod
    def _create(cls, model_class: type[WorkflowModel], *args: Any, **kwargs: Any) -> Any:
        due = kwargs.pop("due", None)
        record = model_class(*args, **kwargs)
        return record_start(record=record, user=record.created_by, due=due)


class SampleOrderFactory(_RecordFactory):
    class Meta:
        model = SampleOrder

    quantity = 2
    requirements = "Match the colour card; pack in pairs."
    materials = "One drawing, one colour card"
    due_date = factory.LazyFunction(lambda: in_days(14))


class BoardFactory(_RecordFactory):
    class Meta:
        model = Board

    kind = Board.Kind.PS
    customer_order_no = factory.Sequence(lambda n: f"PO-{n:05d}")
    requirements = "As the order; colour per the approved card."
    due_date = factory.LazyFunction(lambda: in_days(7))


FACTORIES: dict[type[WorkflowModel], type[_RecordFactory]] = {
    SampleOrder: SampleOrderFactory,
    Board: BoardFactory,
}


# --- Valid form data for every step ------------------------------------------------------

# The step's own fields; every step also gets a comment (some require one).
_STEP_FIELDS: dict[str, Callable[[], dict[str, Any]]] = {
    "issue_work_order": lambda: {
        "quantity": 3,
        "due_date": in_days(10),
        "production_plan": "Cut, assemble, coat, inspect",
    },
    "outsource": lambda: {
        "outsource_vendor": "Foshan Coating Works",
        "outsource_process": "Spray coating",
        "outsource_return_date": in_days(5),
    },
    "release_with_delivery_note": lambda: {"delivery_note_no": "DN-2026-118"},
    "send_by_courier": lambda: {"courier": "SF Express", "tracking_no": "SF1234567890"},
    "approve": lambda: {"customer_feedback": "Good to go for mass production."},
    "reject": lambda: {"customer_feedback": "Colour too dark; bubbles at the edge."},
    "reorder": lambda: {"due_date": in_days(12), "changes": "Lighter coating colour"},
    "record_signature": lambda: {"customer_signatory": "Ms. Lin", "signed_on": in_days(0)},
    "record_rejection": lambda: {"rejection_reason": "Wrong size of the logo."},
    "remake": lambda: {"due_date": in_days(9)},
}


def step_data(name: str, **overrides: Any) -> dict[str, Any]:
    """Valid data (Python values) for the step ``name``, with a comment."""
    data = {**_STEP_FIELDS.get(name, dict)(), "comment": f"Comment on {name}"}
    data.update(overrides)
    return data


def post_data(name: str, *, seq: int | None, prefixed: bool = False, **overrides: Any) -> dict:
    """``step_data`` as a browser posts it: strings, the page's ``_seq``, and
    optionally with the form's "<step>-" prefix."""
    out: dict[str, Any] = {}
    for key, value in step_data(name, **overrides).items():
        if value is None:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[f"{name}-{key}" if prefixed else key] = str(value)
    if seq is not None:
        out["_seq"] = str(seq)
    return out


# --- Walking a record through its process -------------------------------------------------


def path_to(model: type[WorkflowModel], source: str, target: str) -> list[str]:
    """The shortest list of step names from ``source`` to ``target`` (declaration
    order breaks ties), without self-loops."""
    if source == target:
        return []
    edges = [
        (t.source, t.target, t.name)
        for t in model.workflow_transitions()
        if t.target is not None and t.source != t.target
    ]
    seen = {source: []}
    queue = deque([source])
    while queue:
        state = queue.popleft()
        for src, dst, name in edges:
            if src in (state, "*") and dst not in seen:
                seen[dst] = [*seen[state], name]
                if dst == target:
                    return seen[dst]
                queue.append(dst)
    raise LookupError(f"{model.__name__}: no path from {source} to {target}")


class Walker:
    """Takes records through real transitions: ``walker(record, "rejected")``.

    Each step is taken by a user holding the step's first role, or by the
    record's salesperson where the step is the owner's only.
    """

    def __init__(self, user_for_role: Callable[[str], Any] | None = None) -> None:
        self._users: dict[str, Any] = {}
        self._user_for_role = user_for_role

    def user(self, role: str) -> Any:
        if self._user_for_role is not None:
            return self._user_for_role(role)
        if role not in self._users:
            self._users[role] = UserFactory(roles=[role])
        return self._users[role]

    def actor(self, record: WorkflowModel, name: str) -> Any:
        step = type(record).step_of(name)
        if isinstance(step.rule, OwnerOnly):
            return getattr(record, step.rule.field)
        return self.user(step.roles[0])

    def sign_all(self, record: WorkflowModel) -> WorkflowModel:
        """Every department of the current sign-off step agrees."""
        spec = record.current_sign_off_step()
        if spec is not None:
            signed = {s.role for s in current_sign_offs(record)}
            for role in spec.roles:
                if role in signed:
                    continue
                signoff_record(
                    record=record,
                    user=self.user(role),
                    role=role,
                    decision="agree",
                    comment=f"{role} got it",
                    seen_seq=record.step_seq,
                )
        return record

    def take(
        self, record: WorkflowModel, name: str, *, user: Any = None, **overrides: Any
    ) -> WorkflowModel:
        transition = next(t for t in record.workflow_transitions() if t.name == name)
        if transition.conditions:
            self.sign_all(record)
        return transition_perform(
            record=record,
            name=name,
            user=user or self.actor(record, name),
            data=step_data(name, **overrides),
            seen_seq=record.step_seq,
        )

    def __call__(self, record: WorkflowModel, state: str) -> WorkflowModel:
        for name in path_to(type(record), record.state, state):
            record = self.take(record, name)
        assert record.state == state
        return record


def advance(record: WorkflowModel, state: str) -> WorkflowModel:
    """Walk ``record`` to ``state`` with users made on the way."""
    return Walker()(record, state)


def transitions_of(*models: type[WorkflowModel]) -> list[tuple[type[WorkflowModel], Any]]:
    """(model, django-fsm Transition) for every declared (step, source)."""
    return [(m, t) for m in models for t in m.workflow_transitions()]


def transition_cases(
    *models: type[WorkflowModel], owner_only: bool = False, with_model: bool = True
) -> list[Any]:
    """pytest params, one per declared (step, source): ``(model, transition)``
    named ``Model.step[source]``, or ``transition`` named ``step[source]``."""
    cases = []
    for model, t in transitions_of(*models):
        if owner_only and not is_owner_only(t):
            continue
        name = f"{t.name}[{t.source}]"
        if with_model:
            cases.append(pytest.param(model, t, id=f"{model.__name__}.{name}"))
        else:
            cases.append(pytest.param(t, id=name))
    return cases


def is_owner_only(transition: Any) -> bool:
    return isinstance(step_of(transition).rule, OwnerOnly)


# --- Small real files ------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG, built byte by byte."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x80\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


# --- Project proposals (P1) ---------------------------------------------------------------

# The proposals' own steps with a form (their names are not used by the samples).
_STEP_FIELDS.update(
    {
        "recommend": lambda: {
            "developer_background": "Listed developer, 12 projects in the Pearl River Delta.",
            "recommendation": "pitch",
            "recommendation_reason": "Strong budget and a site we know well.",
        },
        "start_research": lambda: {
            "developer_requirements": "Preliminary report in ten days; focus on pricing.",
            "research_plan": "Site visit, three comparables, consumer survey.",
            "preliminary_due": in_days(10),
        },
        "win": lambda: {"contract_signed_on": in_days(0)},
    }
)

# The steps that submit the report being written, and the states they write in.
REPORT_SUBMIT_STEPS = ("submit_preliminary", "submit_formal")
WRITING_STATES = {
    Proposal.State.RESEARCHING: ProposalReport.Kind.PRELIMINARY,
    Proposal.State.REVISING: ProposalReport.Kind.FORMAL,
}


def report_sections(**overrides: Any) -> dict[str, Any]:
    """Text for every section a report must have before it is submitted."""
    data: dict[str, Any] = {name: f"The {name} section." for name in ProposalReport.REQUIRED}
    data.update(overrides)
    return data


class ProposalFactory(factory.django.DjangoModelFactory):
    """A project proposal opened by its business developer through ``record_start``.

    ``state=`` builds it directly in another state. In a state where a report
    is written (researching, revising) it gets the draft that entering the
    state opens: empty, or ``draft="complete"`` with every required section,
    or ``draft={...}`` with those sections; ``draft=False`` opens none.
    """

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory, roles=["bd"])
    created_by = factory.SelfAttribute("owner")
    developer_name = factory.Sequence(lambda n: f"Developer {n:05d} Holdings")
    project_name = factory.Sequence(lambda n: f"Riverside Garden {n:05d}")
    location = "Tianhe District, Guangzhou"
    pitch_deadline = factory.LazyFunction(lambda: in_days(30))

    @classmethod
    def _create(cls, model_class: type[WorkflowModel], *args: Any, **kwargs: Any) -> Any:
        due = kwargs.pop("due", None)
        record = model_class(*args, **kwargs)
        return record_start(record=record, user=record.created_by, due=due)

    @factory.post_generation
    def draft(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or extracted is False or self.state not in WRITING_STATES:
            return
        sections = {}
        if extracted == "complete":
            sections = report_sections()
        elif isinstance(extracted, dict):
            sections = extracted
        ProposalReportFactory(proposal=self, kind=WRITING_STATES[self.state], **sections)


class ProposalReportFactory(factory.django.DjangoModelFactory):
    """A revision of a proposal's report; the next revision number by default."""

    class Meta:
        model = ProposalReport

    proposal = factory.SubFactory(ProposalFactory)
    kind = ProposalReport.Kind.PRELIMINARY
    revision = factory.LazyAttribute(
        lambda o: (o.proposal.reports.aggregate(n=Max("revision"))["n"] or 0) + 1
    )


class ComparableProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComparableProject

    report = factory.SubFactory(ProposalReportFactory)
    name = factory.Sequence(lambda n: f"Comparable estate {n:05d}")
    price = 18500
    layouts = "3 bed 2 bath"
    area = 89
    product_form = "High-rise"
    environment = "Riverside park"
    selling_points = "Metro in 500 m"
    sales_status = "70% sold"


FACTORIES[Proposal] = ProposalFactory  # type: ignore[assignment]


def fill_draft(record: Proposal) -> ProposalReport | None:
    """Complete the required sections of the report being written, if any."""
    draft = record.current_draft()
    if draft is not None and draft.missing_sections():
        missing = {n: f"The {n} section." for n in ProposalReport.REQUIRED if not getattr(draft, n)}
        ProposalReport.objects.filter(pk=draft.pk).update(**missing)
        draft.refresh_from_db()
    return draft


class ProposalWalker(Walker):
    """A ``Walker`` that also writes the report before a step submits it."""

    def take(
        self, record: WorkflowModel, name: str, *, user: Any = None, **overrides: Any
    ) -> WorkflowModel:
        if name in REPORT_SUBMIT_STEPS:
            fill_draft(record)
        return super().take(record, name, user=user, **overrides)


def proposal_ready(transition: Any, walker: Walker | None = None, **kwargs: Any) -> Proposal:
    """A proposal built in the transition's source state with what the step waits
    for: a complete draft before a submit step, both opinions before revising."""
    if transition.name in REPORT_SUBMIT_STEPS:
        kwargs.setdefault("draft", "complete")
    record = ProposalFactory(state=transition.source, **kwargs)
    if transition.conditions:
        (walker or Walker()).sign_all(record)
    return record


def report_post_data(
    report: ProposalReport, *, rows: list[dict[str, Any]] | None = None, **sections: Any
) -> dict[str, str]:
    """The report edit form as a browser posts it: every section (``sections``
    overrides), the comparables table (prefix "comparables"; ``rows`` gives one
    dict per row, existing rows first and keeping their id, a row beyond them
    is new), the proposal's ``_seq`` and the draft's ``_version``, as the page
    shows them now."""
    existing = list(report.comparables.all())
    rows = rows if rows is not None else [{} for _ in existing]
    values: dict[str, Any] = {name: getattr(report, name) for name in ProposalReport.COPIED}
    values.update(sections)
    values.update(
        {
            "comparables-TOTAL_FORMS": len(rows),
            "comparables-INITIAL_FORMS": len(existing),
            "comparables-MIN_NUM_FORMS": 0,
            "comparables-MAX_NUM_FORMS": 1000,
            "_seq": Proposal.objects.values_list("step_seq", flat=True).get(pk=report.proposal_id),
            "_version": ProposalReport.objects.values_list("version", flat=True).get(pk=report.pk),
        }
    )
    # Every column of the table (the formset adds the row's id and its report).
    fields = [
        f.name for f in ComparableProject._meta.concrete_fields if f.name not in ("id", "report")
    ]
    for i, row in enumerate(rows):
        cells: dict[str, Any] = {}
        if i < len(existing):
            cells = {"id": existing[i].pk, **{f: getattr(existing[i], f) for f in fields}}
        cells.update(row)
        values.update({f"comparables-{i}-{key}": value for key, value in cells.items()})
    return {key: "" if value is None else str(value) for key, value in values.items()}
