"""The proposals app's kit: factories for project proposals, their reports and
comparable projects, valid data for their steps, what their steps do (report
revisions opened, submitted, approved), and the report a submit step waits
for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory
from django.db.models import Max

from proposals.models import ComparableProject, Proposal, ProposalReport
from tests.factories import RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit

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


class ProposalFactory(RecordFactory):
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


def fill_draft(record: Proposal) -> ProposalReport | None:
    """Complete the required sections of the report being written, if any."""
    draft = record.current_draft()
    if draft is not None and draft.missing_sections():
        missing = {n: f"The {n} section." for n in ProposalReport.REQUIRED if not getattr(draft, n)}
        ProposalReport.objects.filter(pk=draft.pk).update(**missing)
        draft.refresh_from_db()
    return draft


def write_report(record: Proposal, name: str) -> None:
    """The researcher writes the report before a step submits it."""
    if name in REPORT_SUBMIT_STEPS:
        fill_draft(record)


def report_post_data(
    report: ProposalReport, *, rows: list[dict[str, Any]] | None = None, **sections: Any
) -> dict[str, str]:
    """The report edit form as a browser posts it: every section (``sections``
    overrides), the comparables table (prefix "comparables"; ``rows`` gives one
    dict per row, existing rows first and keeping their id, a row beyond them
    is new) and the proposal's ``_seq``."""
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


# The proposals' steps with a form.
STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (Proposal, "recommend"): lambda: {
        "developer_background": "Listed developer, 12 projects in the Pearl River Delta.",
        "recommendation": "pitch",
        "recommendation_reason": "Strong budget and a site we know well.",
    },
    (Proposal, "start_research"): lambda: {
        "developer_requirements": "Preliminary report in ten days; focus on pricing.",
        "research_plan": "Site visit, three comparables, consumer survey.",
        "preliminary_due": in_days(10),
    },
    (Proposal, "win"): lambda: {"contract_signed_on": in_days(0)},
}


def _opened(kind: str) -> Any:
    def check(record: Proposal, user: Any) -> bool:
        draft = record.current_draft()
        latest_frozen = record.reports.filter(submitted_at__isnull=False).last()
        return (
            draft is not None
            and draft.kind == kind
            and draft.updated_by_id == user.pk
            and draft.based_on_id == (latest_frozen.pk if latest_frozen else None)
            and draft.revision == record.reports.count()
        )

    return check


def _frozen(record: Proposal, user: Any) -> bool:
    last = record.reports.last()
    return (
        record.current_draft() is None
        and last.submitted_by_id == user.pk
        and last.submitted_at is not None
    )


EFFECTS = {
    "decide_pitch": lambda r, u: r.decided_by_id == u.pk,
    "decline": lambda r, u: r.decided_by_id == u.pk,
    "start_research": _opened("preliminary"),
    "submit_preliminary": _frozen,
    "return_preliminary": _opened("preliminary"),
    "revise": _opened("formal"),
    "submit_formal": _frozen,
    "return_formal": _opened("formal"),
    "approve_formal": lambda r, u: (
        r.reports.last().approved_by_id == u.pk and r.reports.last().approved_at is not None
    ),
}


def reports_of(record: Proposal) -> list[tuple[Any, ...]]:
    return list(
        ProposalReport.objects.filter(proposal_id=record.pk)
        .order_by("revision")
        .values_list("revision", "kind", "submitted_at", "approved_at", "site", "updated_at")
    )


def snapshot(record: Proposal) -> tuple[Any, ...]:
    """What a proposal's step may change besides the engine's: the decision and
    the report's revisions with their comparables."""
    return (record.decided_by_id, reports_of(record), ComparableProject.objects.count())


def within_pitch(name: str, day: Any) -> dict[str, Any]:
    """The research plan's preliminary report is due by the pitch deadline."""
    return {"preliminary_due": day} if name == "start_research" else {}


def assessments_for_the_researcher(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A researcher with ``n`` proposals waiting for an assessment, from three
    business developers."""
    researcher = role_user("researcher")
    owners = UserFactory.create_batch(3, roles=["bd"])
    records = [ProposalFactory(state="assessing", owner=owners[i % 3]) for i in range(n)]
    return Crowd(researcher, records, ["recommend"])


# One bound per page, the same for every size. Measured: list 9, inbox 7-8 (a
# count query once there are more than it shows), record 12-13; the margin
# (3) is smaller than the 10 queries a per-row lookup would add with the
# smallest size.
MAX_QUERIES = {"list": 12, "inbox": 11, "record": 16}


def proposal_create_data(owner: Any) -> dict[str, Any]:
    return {
        "developer_name": "Yuexiu Property",
        "project_name": "Canton Tower East",
        "location": "Tianhe District, Guangzhou",
        "pitch_deadline": in_days(21).isoformat(),
        "owner": owner.pk,
    }


KITS = [
    ProcessKit(
        model=Proposal,
        factory=ProposalFactory,
        step_data=STEP_DATA,
        crowd=assessments_for_the_researcher,
        max_queries=MAX_QUERIES,
        snapshot=snapshot,
        effects=EFFECTS,
        prepare=write_report,
        within_final_deadline=within_pitch,
        list_texts=lambda r: [r.project_name, r.developer_name],
        create_data=proposal_create_data,
    )
]
