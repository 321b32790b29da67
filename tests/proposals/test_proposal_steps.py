"""Every step of a project proposal taken over HTTP as the record page takes it:
the happy path with its form, its effect and the deadline it sets (never past
the developer's pitch deadline); GET refused; the wrong state, a stale page
or a double submit changing nothing; missing fields. Then the opinions of the
strategy and creative departments, and the research report's drafts and
revisions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog
from factories import (
    ComparableProjectFactory,
    ProposalFactory,
    UserFactory,
    in_days,
    is_owner_only,
    post_data,
    proposal_ready,
    report_post_data,
    report_sections,
    transition_cases,
    transitions_of,
)
from workflow_checks import (
    check_double_submit,
    check_get_refused,
    check_refused_as_stale,
    check_refused_in_wrong_state,
    check_required_field_missing,
    check_step_taken,
    messages_of,
    required_fields,
    step_url,
    url,
    wrong_state,
)

from proposals.models import ComparableProject, Proposal, ProposalReport
from workflows.calendar import WorkingDays, add_working_days
from workflows.declarations import step_of
from workflows.models import SignOff
from workflows.selectors import inbox
from workflows.services import (
    StepNotAvailable,
    signoff_record,
    transition_perform,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TRANSITIONS = transitions_of(Proposal)


CASES = transition_cases(Proposal, with_model=False)
# One case per step name, from its first source.
FIRST_SOURCE: dict[str, Any] = {}
for _m, _t in TRANSITIONS:
    FIRST_SOURCE.setdefault(_t.name, _t)
STEP_CASES = [pytest.param(t, id=n) for n, t in FIRST_SOURCE.items()]


REQUIRED_CASES = [
    pytest.param(t, field, id=f"{t.name}.{field}")
    for t in FIRST_SOURCE.values()
    for field in required_fields(t)
]

INCOMPLETE = "The report needs every section filled in before it is submitted."
FROZEN = "This revision was submitted and can no longer be changed."
WAITING = "Waiting for every department to sign."
# What a report holds, from the model: every field but its bookkeeping.
BOOKKEEPING = {
    "id",
    "proposal",
    "kind",
    "revision",
    "based_on",
    "created_at",
    "updated_at",
    "version",
}
BOOKKEEPING |= {"updated_by", "submitted_at", "submitted_by", "approved_at", "approved_by"}
SECTIONS = [f.name for f in ProposalReport._meta.concrete_fields if f.name not in BOOKKEEPING]
TEXT_SECTIONS = [n for n in SECTIONS if not n.endswith("_area")]
ROW_FIELDS = [
    f.name for f in ComparableProject._meta.concrete_fields if f.name not in ("id", "report")
]


# --- Helpers --------------------------------------------------------------------------


def report_url(record: Proposal, revision: int, edit: bool = False) -> str:
    name = "proposals:report_edit" if edit else "proposals:report"
    return reverse(name, kwargs={"pk": record.pk, "revision": revision})


def end_of(day: dt.date) -> dt.datetime:
    """The end of a day in the department's time zone."""
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(23, 59, 59)), timezone.get_default_timezone()
    )


def reports_of(record: Proposal) -> list[tuple[Any, ...]]:
    return list(
        ProposalReport.objects.filter(proposal_id=record.pk)
        .order_by("revision")
        .values_list("revision", "kind", "submitted_at", "approved_at", "site", "updated_at")
    )


def snapshot(record: Proposal) -> tuple[Any, ...]:
    fresh = Proposal.objects.get(pk=record.pk)
    return (
        fresh.state,
        fresh.step_seq,
        fresh.step_due_at,
        StateLog.objects.for_(fresh).count(),
        Proposal.objects.count(),
        reports_of(fresh),
        ComparableProject.objects.count(),
        SignOff.objects.count(),
    )


def expected_due(step: Any, record: Proposal, before: dt.datetime, after: dt.datetime) -> Any:
    """The (earliest, latest) deadline the step's rule allows, capped by the pitch
    deadline, or None for a closed proposal."""
    if record.is_final:
        return None
    cap = end_of(record.pitch_deadline)
    rule = step.due
    if rule is None:
        return cap, cap
    if isinstance(rule, dt.timedelta):
        return min(before + rule, cap), min(after + rule, cap)
    if callable(rule):
        # A rule computed from "now" (working days): evaluated after the step,
        # it can only be later.
        latest = rule(record)
        return min(latest - (timezone.now() - before), cap), min(latest, cap)
    day = end_of(getattr(record, rule))
    return min(day, cap), min(day, cap)


def action(response: Any, name: str) -> Any:
    (found,) = [a["action"] for a in response.context["actions"] if a["action"].name == name]
    return found


def draft_of(record: Proposal) -> ProposalReport:
    return ProposalReport.objects.get(proposal_id=record.pk, submitted_at__isnull=True)


# --- Happy paths ----------------------------------------------------------------------


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


@pytest.mark.parametrize("transition", CASES)
def test_step_with_valid_form_moves_the_proposal_and_sets_a_deadline_within_the_pitch(
    transition, proposal_advance, client_for
):
    name = transition.name
    record = proposal_advance(ProposalFactory(), transition.source)
    if transition.conditions:
        proposal_advance.sign_all(record)
        if name in ("submit_preliminary", "submit_formal"):
            draft = record.current_draft()
            ProposalReport.objects.filter(pk=draft.pk).update(**report_sections())
    user = proposal_advance.actor(record, name)

    due = check_step_taken(
        client_for(user), record, transition, user, expected_due=expected_due, effects=EFFECTS
    )

    if due is not None:
        assert record.step_due_at <= end_of(record.pitch_deadline)


# --- The pitch deadline bounds every deadline ------------------------------------------------


@pytest.mark.parametrize("transition", CASES)
def test_no_step_is_due_after_the_end_of_a_pitch_deadline_that_is_tomorrow(
    transition, walker, client_for
):
    pitch = in_days(1)
    record = proposal_ready(transition, walker, pitch_deadline=pitch)
    name = transition.name
    user = walker.actor(record, name)
    data = post_data(name, seq=record.step_seq, prefixed=True)
    if name == "start_research":
        data["start_research-preliminary_due"] = pitch.isoformat()

    response = client_for(user).post(step_url(record, name), data)

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == transition.target
    if record.is_final:
        assert record.step_due_at is None
    else:
        # Every rule of the proposal gives at least the end of tomorrow.
        assert record.step_due_at == end_of(pitch)


def test_a_proposal_opened_with_the_pitch_today_is_due_tonight_not_in_two_days():
    record = ProposalFactory(pitch_deadline=in_days(0))

    assert record.step_due_at == end_of(in_days(0))
    assert Proposal.initial_due == WorkingDays(2)


def test_a_proposal_opened_a_month_ahead_gets_its_first_step_two_working_days():
    record = ProposalFactory(pitch_deadline=in_days(30))

    assert record.step_due_at == end_of(add_working_days(timezone.localdate(), 2))
    assert record.step_due_at >= timezone.now() + dt.timedelta(days=1)


def test_approve_formal_is_due_at_the_end_of_the_pitch_deadline_day_in_shanghai(walker, client_for):
    pitch = in_days(20)
    transition = Proposal.transition_named("approve_formal")[0]
    record = proposal_ready(transition, walker, pitch_deadline=pitch)
    manager = walker.actor(record, "approve_formal")

    client_for(manager).post(
        step_url(record, "approve_formal"), post_data("approve_formal", seq=record.step_seq)
    )

    record.refresh_from_db()
    assert record.state == "proposed"
    local = timezone.localtime(record.step_due_at, timezone.get_default_timezone())
    assert (local.date(), local.time()) == (pitch, dt.time(23, 59, 59))
    assert str(local.tzinfo) == settings.TIME_ZONE == "Asia/Shanghai"


def test_start_research_is_due_at_the_end_of_the_preliminary_due_date(walker, client_for):
    transition = Proposal.transition_named("start_research")[0]
    record = proposal_ready(transition, walker, pitch_deadline=in_days(30))

    client_for(walker.actor(record, "start_research")).post(
        step_url(record, "start_research"),
        post_data("start_research", seq=record.step_seq, preliminary_due=in_days(8)),
    )

    record.refresh_from_db()
    assert (record.state, record.preliminary_due) == ("researching", in_days(8))
    assert record.step_due_at == end_of(in_days(8))


def test_preliminary_report_due_on_the_pitch_deadline_itself_is_accepted(walker, client_for):
    transition = Proposal.transition_named("start_research")[0]
    record = proposal_ready(transition, walker, pitch_deadline=in_days(6))

    response = client_for(walker.actor(record, "start_research")).post(
        step_url(record, "start_research"),
        post_data("start_research", seq=record.step_seq, preliminary_due=in_days(6)),
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.step_due_at == end_of(in_days(6))


@pytest.mark.parametrize(
    ("due", "error"),
    [
        (7, "The preliminary report must be due before the pitch deadline ({pitch})."),
        (-1, "This date is in the past."),
    ],
    ids=["after_the_pitch", "in_the_past"],
)
def test_preliminary_report_due_after_the_pitch_or_in_the_past_is_a_field_error(
    due, error, walker, client_for
):
    pitch = in_days(6)
    transition = Proposal.transition_named("start_research")[0]
    record = proposal_ready(transition, walker, pitch_deadline=pitch)
    before = snapshot(record)

    response = client_for(walker.actor(record, "start_research")).post(
        step_url(record, "start_research"),
        post_data("start_research", seq=record.step_seq, preliminary_due=in_days(due)),
    )

    assert response.status_code == 400
    assert snapshot(record) == before
    assert Proposal.objects.get(pk=record.pk).preliminary_due is None
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["form"].errors["preliminary_due"] == [error.format(pitch=pitch.isoformat())]


# --- Refusals that change nothing -----------------------------------------------------


@pytest.mark.parametrize("transition", STEP_CASES)
def test_get_on_a_proposal_step_url_is_refused_and_changes_nothing(transition, walker, client_for):
    record = proposal_ready(transition, walker)
    user = walker.actor(record, transition.name)

    check_get_refused(client_for(user), record, transition.name, snapshot)


@pytest.mark.parametrize("transition", STEP_CASES)
def test_proposal_step_posted_in_another_state_changes_nothing_and_says_why(
    transition, walker, client_for
):
    wrong = wrong_state(Proposal, transition.name)
    user = walker.user(step_of(transition).roles[0])
    owner = user if is_owner_only(transition) else UserFactory(roles=["bd"])
    record = ProposalFactory(state=wrong, owner=owner, draft="complete")

    check_refused_in_wrong_state(client_for(user), record, transition, snapshot)


@pytest.mark.parametrize("transition", CASES)
def test_double_submit_takes_the_proposal_step_once_and_shows_the_stale_message(
    transition, walker, client_for
):
    record = proposal_ready(transition, walker)

    check_double_submit(
        client_for(walker.actor(record, transition.name)), record, transition, snapshot
    )


def test_step_from_a_page_shown_before_the_last_step_is_refused_as_stale(
    proposal_advance, client_for
):
    record = proposal_advance(ProposalFactory(), "awaiting_decision")
    shown_seq = record.step_seq - 1  # the page was loaded before the recommendation
    client = client_for(proposal_advance.actor(record, "decide_pitch"))

    check_refused_as_stale(client, record, "decide_pitch", shown_seq, snapshot)


@pytest.mark.parametrize(("transition", "field"), REQUIRED_CASES)
def test_proposal_step_without_a_required_field_answers_400_with_the_field_error(
    transition, field, walker, client_for
):
    record = proposal_ready(transition, walker)
    client = client_for(walker.actor(record, transition.name))

    check_required_field_missing(client, record, transition, field, snapshot)


def test_the_steps_that_need_a_reason_are_the_refusals_and_the_outcomes():
    required = {t.name for t in FIRST_SOURCE.values() if "comment" in required_fields(t)}

    assert required == {"decline", "return_preliminary", "return_formal", "lose", "withdraw"}
    assert set(required_fields(FIRST_SOURCE["recommend"])) == {
        "developer_background",
        "recommendation",
        "recommendation_reason",
    }


def test_a_recommendation_other_than_pitch_or_no_pitch_is_a_field_error(walker, client_for):
    record = proposal_ready(Proposal.transition_named("recommend")[0], walker)
    before = snapshot(record)

    response = client_for(walker.actor(record, "recommend")).post(
        step_url(record, "recommend"),
        post_data("recommend", seq=record.step_seq, recommendation="maybe"),
    )

    assert response.status_code == 400
    assert snapshot(record) == before
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert "recommendation" in opened["form"].errors


def test_withdraw_is_in_nobodys_inbox_but_offered_to_the_manager(role_user, client_for):
    record = ProposalFactory(state="researching")
    manager = role_user("marketing_manager")

    page = client_for(manager).get(record.get_absolute_url())

    assert action(page, "withdraw").enabled
    (section,) = [s for s in inbox(manager) if s.key == "proposals.proposal"]
    assert record not in section.records


# --- Opinions of strategy and creative ------------------------------------------------


def sign(client: Any, record: Proposal, role: str, **extra: Any) -> Any:
    data = {"role": role, "decision": "agree", "comment": "Position it as a family estate."}
    data["_seq"] = record.step_seq
    data.update(extra)
    return client.post(url(record, "sign"), data)


def test_an_opinion_without_text_is_refused_and_records_nothing(
    proposal_advance, role_user, client_for
):
    record = proposal_advance(ProposalFactory(), "consulting")
    strategist = role_user("strategy")
    before = snapshot(record)

    response = sign(client_for(strategist), record, "strategy", comment="   ")

    assert response.status_code == 400
    assert response.context["signoff"]["form"].errors["comment"] == ["This field is required."]
    assert snapshot(record) == before
    with pytest.raises(
        StepNotAvailable, match=re.escape("Please write your department's opinion.")
    ):
        signoff_record(
            record=record, user=strategist, role="strategy", decision="agree", comment=""
        )
    assert not SignOff.objects.exists()


def test_a_department_cannot_refuse_it_only_gives_its_opinion(
    proposal_advance, role_user, client_for
):
    record = proposal_advance(ProposalFactory(), "consulting")
    before = snapshot(record)

    response = sign(client_for(role_user("creative")), record, "creative", decision="refuse")

    assert response.status_code == 400
    assert "decision" in response.context["signoff"]["form"].errors
    assert snapshot(record) == before
    page = client_for(role_user("creative")).get(record.get_absolute_url())
    assert [d for d, _label in page.context["signoff"]["form"].fields["decision"].choices] == [
        "agree"
    ]


def test_revise_waits_for_both_opinions_then_opens_the_formal_report(
    proposal_advance, role_user, client_for
):
    record = proposal_advance(ProposalFactory(), "consulting")
    researcher = proposal_advance.actor(record, "revise")
    client = client_for(researcher)

    first = client.get(record.get_absolute_url())
    assert not action(first, "revise").enabled
    assert action(first, "revise").reason == WAITING
    assert sign(client_for(role_user("strategy")), record, "strategy").status_code == 302

    page = client.get(record.get_absolute_url())
    assert not action(page, "revise").enabled
    before = snapshot(record)
    refused = client.post(
        step_url(record, "revise"), post_data("revise", seq=record.step_seq), follow=True
    )
    assert messages_of(refused) == [WAITING]
    assert snapshot(record) == before
    with pytest.raises(StepNotAvailable, match=re.escape(WAITING)):
        transition_perform(record=record, name="revise", user=researcher, data={})

    sign(client_for(role_user("creative")), record, "creative", comment="Use the river view.")

    page = client.get(record.get_absolute_url())
    assert action(page, "revise").enabled
    html = page.content.decode()
    assert "Position it as a family estate." in html
    assert "Use the river view." in html
    opinions = [e for e in page.context["timeline"] if e["kind"] == "signoff"]
    assert [(e["decision_label"], e["comment"]) for e in opinions] == [
        ("Opinion given", "Position it as a family estate."),
        ("Opinion given", "Use the river view."),
    ]
    response = client.post(step_url(record, "revise"), post_data("revise", seq=record.step_seq))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == "revising"
    assert draft_of(record).kind == "formal"


def test_consulting_waits_in_each_departments_inbox_until_it_has_given_its_opinion(
    proposal_advance, role_user
):
    record = proposal_advance(ProposalFactory(), "consulting")

    def waiting(role: str) -> list[Any]:
        return [
            r for s in inbox(role_user(role)) if s.key == "proposals.proposal" for r in s.records
        ]

    assert waiting("strategy") == [record] == waiting("creative")
    proposal_advance.sign_all(record)
    assert waiting("strategy") == [] == waiting("creative")


def test_an_opinion_for_a_department_the_user_is_not_in_is_forbidden(proposal_advance, client_for):
    record = proposal_advance(ProposalFactory(), "consulting")
    researcher = proposal_advance.actor(record, "revise")

    response = sign(client_for(researcher), record, "strategy")

    assert response.status_code == 403
    assert not SignOff.objects.exists()


# --- The research report: drafts and revisions --------------------------------------------


def test_research_starts_with_revision_one_of_the_preliminary_report_empty(
    proposal_advance, client_for
):
    record = proposal_advance(ProposalFactory(), "researching")
    researcher = proposal_advance.actor(record, "submit_preliminary")

    (report,) = record.reports.all()

    assert (report.kind, report.revision, report.based_on_id) == ("preliminary", 1, None)
    assert report.submitted_at is None and not report.frozen
    assert report.missing_sections() == [
        str(ProposalReport._meta.get_field(n).verbose_name) for n in ProposalReport.REQUIRED
    ]
    assert not report.comparables.exists()
    page = client_for(researcher).get(record.get_absolute_url())
    assert page.context["draft"] == report
    assert page.context["may_edit_report"] is True
    assert report_url(record, 1, edit=True) in page.content.decode()


@pytest.mark.parametrize("missing", ProposalReport.REQUIRED)
@pytest.mark.parametrize(
    ("state", "name"),
    [("researching", "submit_preliminary"), ("revising", "submit_formal")],
    ids=["preliminary", "formal"],
)
def test_a_report_missing_one_required_section_cannot_be_submitted(
    state, name, missing, walker, client_for
):
    record = ProposalFactory(state=state, draft=report_sections(**{missing: "  "}))
    researcher = walker.actor(record, name)
    before = snapshot(record)

    with pytest.raises(StepNotAvailable, match=re.escape(INCOMPLETE)):
        transition_perform(record=record, name=name, user=researcher, data={"comment": ""})
    page = client_for(researcher).get(record.get_absolute_url())

    assert snapshot(record) == before
    assert (action(page, name).enabled, action(page, name).reason) == (False, INCOMPLETE)
    label = str(ProposalReport._meta.get_field(missing).verbose_name)
    assert record.current_draft().missing_sections() == [label]


def test_submit_is_disabled_until_every_required_section_is_filled_then_freezes_the_draft(
    proposal_advance, client_for
):
    record = proposal_advance(ProposalFactory(), "researching")
    researcher = proposal_advance.actor(record, "submit_preliminary")
    client = client_for(researcher)
    report = draft_of(record)

    page = client.get(record.get_absolute_url())
    submit = action(page, "submit_preliminary")
    assert (submit.enabled, submit.reason) == (False, INCOMPLETE)
    assert INCOMPLETE in page.content.decode()
    before = snapshot(record)
    refused = client.post(
        step_url(record, "submit_preliminary"),
        post_data("submit_preliminary", seq=record.step_seq),
        follow=True,
    )
    assert messages_of(refused) == [INCOMPLETE]
    assert snapshot(record) == before

    almost = report_sections(threats="")
    saved = client.post(report_url(record, 1, edit=True), report_post_data(report, **almost))
    assert saved.status_code == 302
    assert not action(client.get(record.get_absolute_url()), "submit_preliminary").enabled

    client.post(
        report_url(record, 1, edit=True),
        report_post_data(report, **report_sections(threats="A competitor launches in May.")),
    )
    assert action(client.get(record.get_absolute_url()), "submit_preliminary").enabled

    response = client.post(
        step_url(record, "submit_preliminary"),
        post_data("submit_preliminary", seq=record.step_seq),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    report.refresh_from_db()
    assert record.state == "preliminary_report"
    assert report.frozen and report.submitted_by_id == researcher.pk
    assert report.threats == "A competitor launches in May."
    assert record.current_draft() is None


def test_a_returned_report_opens_the_next_revision_with_its_content_and_keeps_the_first(
    proposal_advance, role_user, client_for
):
    record = proposal_advance(ProposalFactory(), "researching")
    first = draft_of(record)
    content = {name: f"Revision one: {name}." for name in TEXT_SECTIONS}
    content.update(site="North bank plot, 4.2 ha.", supply_area=12.5, sales_area=8.25, stock_area=4)
    assert set(content) == set(SECTIONS)
    ProposalReport.objects.filter(pk=first.pk).update(**content)
    ComparableProjectFactory(report=first, name="Poly Riverside", price=21000)
    ComparableProjectFactory(
        report=first, name="Vanke Park", price=19800, area=None, selling_points="School"
    )
    record = proposal_advance(record, "preliminary_report")
    first.refresh_from_db()
    first_rows = list(first.comparables.values("pk", *ROW_FIELDS))
    kept = reports_of(record)

    client_for(role_user("marketing_manager")).post(
        step_url(record, "return_preliminary"),
        post_data("return_preliminary", seq=record.step_seq, comment="Add school districts."),
    )

    record.refresh_from_db()
    assert record.state == "researching"
    second = draft_of(record)
    assert (second.kind, second.revision, second.based_on_id) == ("preliminary", 2, first.pk)
    for name, value in content.items():
        assert getattr(second, name) == getattr(first, name) == value, name
    copied = list(second.comparables.values("pk", *ROW_FIELDS))
    assert [{**c, "pk": None} for c in copied] == [{**c, "pk": None} for c in first_rows]
    assert [c["name"] for c in copied] == ["Poly Riverside", "Vanke Park"]
    assert {c["pk"] for c in copied}.isdisjoint({c["pk"] for c in first_rows})
    assert reports_of(record)[:1] == kept

    # Editing the new revision leaves the first one as it was submitted.
    researcher = proposal_advance.actor(record, "submit_preliminary")
    client = client_for(researcher)
    response = client.post(
        report_url(record, 2, edit=True),
        report_post_data(
            second,
            rows=[{"price": 22000}, {"name": "Vanke Park (phase 2)"}],
            site="North bank plot, 4.2 ha, next to the new school.",
        ),
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.site == "North bank plot, 4.2 ha, next to the new school."
    assert list(second.comparables.values_list("name", "price")) == [
        ("Poly Riverside", 22000),
        ("Vanke Park (phase 2)", 19800),
    ]
    assert reports_of(record)[:1] == kept
    assert list(first.comparables.values("pk", *ROW_FIELDS)) == first_rows

    # Revision 1 stays readable, as it was.
    shown = client.get(report_url(record, 1))
    assert shown.status_code == 200
    assert shown.context["report"] == first
    html = shown.content.decode()
    assert "North bank plot, 4.2 ha." in html
    assert "next to the new school" not in html
    assert "Vanke Park" in html
    assert [c.name for c in shown.context["comparables"]] == ["Poly Riverside", "Vanke Park"]


def test_a_submitted_revision_cannot_be_edited_and_a_post_changes_nothing(
    proposal_advance, client_for
):
    record = proposal_advance(ProposalFactory(), "preliminary_report")
    (frozen,) = record.reports.all()
    ComparableProjectFactory(report=frozen, name="Poly Riverside")
    researcher = proposal_advance.actor(record, "submit_preliminary")
    client = client_for(researcher)
    before = snapshot(record)

    shown = client.get(report_url(record, 1, edit=True), follow=True)
    posted = client.post(
        report_url(record, 1, edit=True),
        report_post_data(frozen, rows=[{"name": "Renamed"}], site="Rewritten afterwards"),
        follow=True,
    )

    for response in (shown, posted):
        assert response.redirect_chain == [(report_url(record, 1), 302)]
        assert messages_of(response) == [FROZEN]
    assert snapshot(record) == before
    frozen.refresh_from_db()
    assert frozen.site == "The site section."
    assert list(frozen.comparables.values_list("name", flat=True)) == ["Poly Riverside"]


def test_the_formal_report_is_revised_returned_and_approved_revision_by_revision(
    proposal_advance, role_user, client_for
):
    record = proposal_advance(ProposalFactory(), "revising")
    manager = role_user("marketing_manager")
    (preliminary, formal) = record.reports.all()
    assert (preliminary.kind, preliminary.frozen) == ("preliminary", True)
    assert (formal.kind, formal.revision, formal.based_on_id) == ("formal", 2, preliminary.pk)
    assert formal.site == preliminary.site

    record = proposal_advance(record, "formal_review")
    client_for(manager).post(
        step_url(record, "return_formal"),
        post_data("return_formal", seq=record.step_seq, comment="Sharper pricing, please."),
    )
    record.refresh_from_db()
    third = draft_of(record)
    assert (record.state, third.kind, third.revision, third.based_on_id) == (
        "revising",
        "formal",
        3,
        formal.pk,
    )
    record = proposal_advance(record, "formal_review")

    client_for(manager).post(
        step_url(record, "approve_formal"), post_data("approve_formal", seq=record.step_seq)
    )

    record.refresh_from_db()
    assert record.state == "proposed"
    rows = list(record.reports.values_list("revision", "kind", "approved_by"))
    assert rows == [(1, "preliminary", None), (2, "formal", None), (3, "formal", manager.pk)]
    assert all(r.frozen for r in record.reports.all())


def test_a_withdrawn_proposals_draft_can_no_longer_be_edited(proposal_advance, client_for):
    record = proposal_advance(ProposalFactory(), "researching")
    researcher = proposal_advance.actor(record, "submit_preliminary")
    report = draft_of(record)
    record = proposal_advance.take(record, "withdraw", comment="The developer dropped it.")
    assert record.state == "declined"

    response = client_for(researcher).post(
        report_url(record, 1, edit=True), report_post_data(report, site="Too late")
    )

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.site == ""


def test_saving_a_report_from_a_page_shown_before_the_last_step_saves_nothing(
    proposal_advance, client_for
):
    record = proposal_advance(ProposalFactory(), "researching")
    researcher = proposal_advance.actor(record, "submit_preliminary")
    report = draft_of(record)
    data = report_post_data(report, site="Written on an old page")
    data["_seq"] = str(record.step_seq - 1)

    response = client_for(researcher).post(report_url(record, 1, edit=True), data, follow=True)

    assert response.redirect_chain == [(record.get_absolute_url(), 302)]
    assert messages_of(response) == [
        "The proposal moved on while you were editing; nothing was saved."
    ]
    report.refresh_from_db()
    assert report.site == ""
