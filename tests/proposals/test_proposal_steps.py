"""What is special to the steps of a project proposal (the contract suite,
tests/contract, takes every step of every process over HTTP, within the
pitch deadline): the declarations, the deadlines of the first step, of the
research plan and of the formal report; the fields that need a reason; the
opinions of the strategy and creative departments, and the research
report's drafts and revisions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from proposals.models import ComparableProject, Proposal, ProposalReport
from tests.factories import in_days
from tests.kits import post_data, ready, snapshot
from tests.proposals.kit import (
    ComparableProjectFactory,
    ProposalFactory,
    report_post_data,
    report_sections,
)
from tests.workflow_checks import ROLE_CODES, messages_of, required_fields, step_url, url
from workflows.calendar import WorkingDays, add_working_days
from workflows.declarations import OwnerOnly, step_of
from workflows.models import SignOff
from workflows.selectors import inbox
from workflows.services import (
    StepNotAvailable,
    signoff_record,
    transition_perform,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# One transition per step name, from its first source.
FIRST_SOURCE: dict[str, Any] = {}
for _t in Proposal.workflow_transitions():
    FIRST_SOURCE.setdefault(_t.name, _t)

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


def action(response: Any, name: str) -> Any:
    (found,) = [a["action"] for a in response.context["actions"] if a["action"].name == name]
    return found


def draft_of(record: Proposal) -> ProposalReport:
    return ProposalReport.objects.get(proposal_id=record.pk, submitted_at__isnull=True)


# --- The declarations --------------------------------------------------------------------


def test_the_proposal_declares_its_steps_each_with_a_role_of_the_company():
    names = {t.name for t in Proposal.workflow_transitions()}
    assert names == {
        "request_assessment",
        "recommend",
        "decide_pitch",
        "decline",
        "start_research",
        "submit_preliminary",
        "return_preliminary",
        "consult",
        "revise",
        "submit_formal",
        "return_formal",
        "approve_formal",
        "win",
        "lose",
        "withdraw",
    }
    # Withdrawing is possible from every open state but the pitch decision and
    # the proposed one: one case per source state.
    assert {t.source for t in Proposal.transition_named("withdraw")} == set(
        Proposal.State.values
    ) - Proposal.final_states - {"awaiting_decision", "proposed"}
    owner_only = {
        t.name for t in Proposal.workflow_transitions() if isinstance(step_of(t).rule, OwnerOnly)
    }
    assert owner_only == {"request_assessment", "win", "lose"}
    for transition in Proposal.workflow_transitions():
        assert set(step_of(transition).roles) & set(ROLE_CODES), transition.name


# --- The pitch deadline bounds every deadline ------------------------------------------------


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
    record = ready(Proposal, transition, walker, pitch_deadline=pitch)
    manager = walker.actor(record, "approve_formal")

    client_for(manager).post(
        step_url(record, "approve_formal"), post_data(record, "approve_formal", seq=record.step_seq)
    )

    record.refresh_from_db()
    assert record.state == "proposed"
    local = timezone.localtime(record.step_due_at, timezone.get_default_timezone())
    assert (local.date(), local.time()) == (pitch, dt.time(23, 59, 59))
    assert str(local.tzinfo) == settings.TIME_ZONE == "Asia/Shanghai"


def test_start_research_is_due_at_the_end_of_the_preliminary_due_date(walker, client_for):
    transition = Proposal.transition_named("start_research")[0]
    record = ready(Proposal, transition, walker, pitch_deadline=in_days(30))

    client_for(walker.actor(record, "start_research")).post(
        step_url(record, "start_research"),
        post_data(record, "start_research", seq=record.step_seq, preliminary_due=in_days(8)),
    )

    record.refresh_from_db()
    assert (record.state, record.preliminary_due) == ("researching", in_days(8))
    assert record.step_due_at == end_of(in_days(8))


def test_preliminary_report_due_on_the_pitch_deadline_itself_is_accepted(walker, client_for):
    transition = Proposal.transition_named("start_research")[0]
    record = ready(Proposal, transition, walker, pitch_deadline=in_days(6))

    response = client_for(walker.actor(record, "start_research")).post(
        step_url(record, "start_research"),
        post_data(record, "start_research", seq=record.step_seq, preliminary_due=in_days(6)),
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
    record = ready(Proposal, transition, walker, pitch_deadline=pitch)
    before = snapshot(record)

    response = client_for(walker.actor(record, "start_research")).post(
        step_url(record, "start_research"),
        post_data(record, "start_research", seq=record.step_seq, preliminary_due=in_days(due)),
    )

    assert response.status_code == 400
    assert snapshot(record) == before
    assert Proposal.objects.get(pk=record.pk).preliminary_due is None
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["form"].errors["preliminary_due"] == [error.format(pitch=pitch.isoformat())]


# --- Fields -------------------------------------------------------------------------------


def test_the_steps_that_need_a_reason_are_the_refusals_and_the_outcomes():
    required = {t.name for t in FIRST_SOURCE.values() if "comment" in required_fields(t)}

    assert required == {"decline", "return_preliminary", "return_formal", "lose", "withdraw"}
    assert set(required_fields(FIRST_SOURCE["recommend"])) == {
        "developer_background",
        "recommendation",
        "recommendation_reason",
    }


def test_a_recommendation_other_than_pitch_or_no_pitch_is_a_field_error(walker, client_for):
    record = ready(Proposal, Proposal.transition_named("recommend")[0], walker)
    before = snapshot(record)

    response = client_for(walker.actor(record, "recommend")).post(
        step_url(record, "recommend"),
        post_data(record, "recommend", seq=record.step_seq, recommendation="maybe"),
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


def test_an_opinion_without_text_is_refused_and_records_nothing(advance, role_user, client_for):
    record = advance(ProposalFactory(), "consulting")
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


def test_a_department_cannot_refuse_it_only_gives_its_opinion(advance, role_user, client_for):
    record = advance(ProposalFactory(), "consulting")
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
    advance, role_user, client_for
):
    record = advance(ProposalFactory(), "consulting")
    researcher = advance.actor(record, "revise")
    client = client_for(researcher)

    first = client.get(record.get_absolute_url())
    assert not action(first, "revise").enabled
    assert action(first, "revise").reason == WAITING
    assert sign(client_for(role_user("strategy")), record, "strategy").status_code == 302

    page = client.get(record.get_absolute_url())
    assert not action(page, "revise").enabled
    before = snapshot(record)
    refused = client.post(
        step_url(record, "revise"), post_data(record, "revise", seq=record.step_seq), follow=True
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
    response = client.post(
        step_url(record, "revise"), post_data(record, "revise", seq=record.step_seq)
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == "revising"
    assert draft_of(record).kind == "formal"


def test_consulting_waits_in_each_departments_inbox_until_it_has_given_its_opinion(
    advance, role_user
):
    record = advance(ProposalFactory(), "consulting")

    def waiting(role: str) -> list[Any]:
        return [
            r for s in inbox(role_user(role)) if s.key == "proposals.proposal" for r in s.records
        ]

    assert waiting("strategy") == [record] == waiting("creative")
    advance.sign_all(record)
    assert waiting("strategy") == [] == waiting("creative")


def test_an_opinion_for_a_department_the_user_is_not_in_is_forbidden(advance, client_for):
    record = advance(ProposalFactory(), "consulting")
    researcher = advance.actor(record, "revise")

    response = sign(client_for(researcher), record, "strategy")

    assert response.status_code == 403
    assert not SignOff.objects.exists()


# --- The research report: drafts and revisions --------------------------------------------


def test_research_starts_with_revision_one_of_the_preliminary_report_empty(advance, client_for):
    record = advance(ProposalFactory(), "researching")
    researcher = advance.actor(record, "submit_preliminary")

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
    advance, client_for
):
    record = advance(ProposalFactory(), "researching")
    researcher = advance.actor(record, "submit_preliminary")
    client = client_for(researcher)
    report = draft_of(record)

    page = client.get(record.get_absolute_url())
    submit = action(page, "submit_preliminary")
    assert (submit.enabled, submit.reason) == (False, INCOMPLETE)
    assert INCOMPLETE in page.content.decode()
    before = snapshot(record)
    refused = client.post(
        step_url(record, "submit_preliminary"),
        post_data(record, "submit_preliminary", seq=record.step_seq),
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
        post_data(record, "submit_preliminary", seq=record.step_seq),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    report.refresh_from_db()
    assert record.state == "preliminary_report"
    assert report.frozen and report.submitted_by_id == researcher.pk
    assert report.threats == "A competitor launches in May."
    assert record.current_draft() is None


def test_a_returned_report_opens_the_next_revision_with_its_content_and_keeps_the_first(
    advance, role_user, client_for
):
    record = advance(ProposalFactory(), "researching")
    first = draft_of(record)
    content = {name: f"Revision one: {name}." for name in TEXT_SECTIONS}
    content.update(site="North bank plot, 4.2 ha.", supply_area=12.5, sales_area=8.25, stock_area=4)
    assert set(content) == set(SECTIONS)
    ProposalReport.objects.filter(pk=first.pk).update(**content)
    ComparableProjectFactory(report=first, name="Poly Riverside", price=21000)
    ComparableProjectFactory(
        report=first, name="Vanke Park", price=19800, area=None, selling_points="School"
    )
    record = advance(record, "preliminary_report")
    first.refresh_from_db()
    first_rows = list(first.comparables.values("pk", *ROW_FIELDS))
    kept = reports_of(record)

    client_for(role_user("marketing_manager")).post(
        step_url(record, "return_preliminary"),
        post_data(
            record, "return_preliminary", seq=record.step_seq, comment="Add school districts."
        ),
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
    researcher = advance.actor(record, "submit_preliminary")
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


def test_a_submitted_revision_cannot_be_edited_and_a_post_changes_nothing(advance, client_for):
    record = advance(ProposalFactory(), "preliminary_report")
    (frozen,) = record.reports.all()
    ComparableProjectFactory(report=frozen, name="Poly Riverside")
    researcher = advance.actor(record, "submit_preliminary")
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
    advance, role_user, client_for
):
    record = advance(ProposalFactory(), "revising")
    manager = role_user("marketing_manager")
    (preliminary, formal) = record.reports.all()
    assert (preliminary.kind, preliminary.frozen) == ("preliminary", True)
    assert (formal.kind, formal.revision, formal.based_on_id) == ("formal", 2, preliminary.pk)
    assert formal.site == preliminary.site

    record = advance(record, "formal_review")
    client_for(manager).post(
        step_url(record, "return_formal"),
        post_data(record, "return_formal", seq=record.step_seq, comment="Sharper pricing, please."),
    )
    record.refresh_from_db()
    third = draft_of(record)
    assert (record.state, third.kind, third.revision, third.based_on_id) == (
        "revising",
        "formal",
        3,
        formal.pk,
    )
    record = advance(record, "formal_review")

    client_for(manager).post(
        step_url(record, "approve_formal"), post_data(record, "approve_formal", seq=record.step_seq)
    )

    record.refresh_from_db()
    assert record.state == "proposed"
    rows = list(record.reports.values_list("revision", "kind", "approved_by"))
    assert rows == [(1, "preliminary", None), (2, "formal", None), (3, "formal", manager.pk)]
    assert all(r.frozen for r in record.reports.all())


def test_a_withdrawn_proposals_draft_can_no_longer_be_edited(advance, client_for):
    record = advance(ProposalFactory(), "researching")
    researcher = advance.actor(record, "submit_preliminary")
    report = draft_of(record)
    record = advance.take(record, "withdraw", {"comment": "The developer dropped it."})
    assert record.state == "declined"

    response = client_for(researcher).post(
        report_url(record, 1, edit=True), report_post_data(report, site="Too late")
    )

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.site == ""


def test_saving_a_report_from_a_page_shown_before_the_last_step_saves_nothing(advance, client_for):
    record = advance(ProposalFactory(), "researching")
    researcher = advance.actor(record, "submit_preliminary")
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
