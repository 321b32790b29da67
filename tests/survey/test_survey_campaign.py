"""The campaign's own steps: the questionnaire prepared with questions frozen
as asked, refused without questions, returned and approved; opened once a
year on schedule; non-respondents reminded once; answers entered by sales
marked as such; the report published to all staff and printed with its
charts; the customer's page showing the answers by year."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from complaints.models import (
    ImprovementAction,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
)
from complaints.survey_services import (
    answer_save,
    campaign_open,
    reminders_send,
)
from tests.factories import CustomerFactory, UserFactory
from tests.kits import post_data
from tests.survey.kit import CampaignFactory, InvitationFactory, SurveyQuestionFactory, ask
from tests.workflow_checks import messages_of, step_url
from workflows.schedules import schedule_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_preparing_freezes_the_questions_as_worded_then(role_user, client_for):
    manager = role_user("marketing_manager")
    campaign = CampaignFactory(created_by=manager)
    question = SurveyQuestionFactory(code="delivery", text_en="Delivery on time")
    customer = CustomerFactory(email="buyer@example.com", contact="Mr. Huang")
    data = post_data(campaign, "prepare", seq=campaign.step_seq)
    data.update({"questions": str(question.pk), "customers": str(customer.pk)})

    response = client_for(manager).post(step_url(campaign, "prepare"), data)

    assert response.status_code == 302
    asked = campaign.questions.get()
    assert (asked.code, asked.text_en) == ("delivery", "Delivery on time")
    invitation = campaign.invitations.get()
    assert (invitation.customer, invitation.contact_name, invitation.contact_email) == (
        customer,
        "Mr. Huang",
        "buyer@example.com",
    )
    # A later change of the wording in the admin leaves the campaign's question.
    SurveyQuestion.objects.filter(pk=question.pk).update(text_en="Deliveries arrive as promised")
    asked.refresh_from_db()
    assert asked.text_en == "Delivery on time"


def test_a_questionnaire_without_questions_cannot_be_submitted(role_user, client_for):
    manager = role_user("marketing_manager")
    campaign = CampaignFactory(created_by=manager)
    InvitationFactory(campaign=campaign)

    response = client_for(manager).post(
        step_url(campaign, "submit_questionnaire"),
        post_data(campaign, "submit_questionnaire", seq=campaign.step_seq),
        follow=True,
    )

    campaign.refresh_from_db()
    assert campaign.state == SurveyCampaign.State.DRAFT
    assert any("no questions" in m for m in messages_of(response))
    page = client_for(manager).get(campaign.get_absolute_url()).content.decode()
    assert "The questionnaire has no questions" in page


def test_the_product_marketing_manager_returns_then_approves_the_questionnaire(role_user, advance):
    campaign = CampaignFactory(state=SurveyCampaign.State.REVIEW)

    campaign = advance.take(
        campaign, "return_questionnaire", {"comment": "Add a question on packaging."}
    )
    campaign.refresh_from_db()
    assert campaign.state == SurveyCampaign.State.DRAFT
    campaign = advance.take(campaign, "submit_questionnaire")
    campaign = advance.take(campaign, "approve_questionnaire")
    campaign.refresh_from_db()
    assert campaign.state == SurveyCampaign.State.APPROVED


def test_the_yearly_schedule_opens_one_draft_campaign_however_often_it_runs(role_user):
    manager = role_user("marketing_manager")
    SurveyQuestionFactory(code="quality")
    SurveyQuestionFactory(code="inactive", active=False)
    now = timezone.make_aware(dt.datetime(2031, 1, 2, 9))

    first = schedule_run("Yearly customer satisfaction survey", now)
    again = schedule_run("Yearly customer satisfaction survey", now + dt.timedelta(days=40))

    assert (first, again) == (True, False)
    campaign = SurveyCampaign.objects.get()
    assert (campaign.year, campaign.state, campaign.created_by) == (2031, "draft", manager)
    assert list(campaign.questions.values_list("code", flat=True)) == ["quality"]
    # A second worker that missed the schedule's key still opens no second one.
    assert campaign_open(2031, manager) is None
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(year=2031)
    assert SurveyCampaign.objects.count() == 1


def sent_campaign(advance: Any, capture: Any, close_in: int) -> SurveyCampaign:
    campaign = CampaignFactory(state=SurveyCampaign.State.APPROVED, asked=False)
    ask(campaign)
    for _ in range(3):
        InvitationFactory(campaign=campaign)
    with capture(execute=True):
        campaign = advance.take(campaign, "send_survey")
    SurveyCampaign.objects.filter(pk=campaign.pk).update(
        close_date=timezone.localdate() + dt.timedelta(days=close_in)
    )
    campaign.refresh_from_db()
    return campaign


def answer(invitation: SurveyInvitation, score: int = 4, **extra: Any) -> SurveyInvitation:
    campaign = invitation.campaign
    scores = {
        q.pk: (score if q.kind == "scale" else 9) for q in campaign.questions.all() if q.scored
    }
    return answer_save(
        invitation=invitation,
        scores=scores,
        comment=extra.pop("comment", ""),
        channel=extra.pop("channel", SurveyInvitation.Channel.LINK),
        **extra,
    )


def test_non_respondents_are_reminded_once_before_the_close(
    advance, django_capture_on_commit_callbacks
):
    campaign = sent_campaign(advance, django_capture_on_commit_callbacks, close_in=5)
    answered, *waiting = campaign.invitations.order_by("pk")
    answer(answered)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = reminders_send()
    with django_capture_on_commit_callbacks(execute=True):
        second = reminders_send()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = schedule_run("Satisfaction survey reminders", now)
        again = schedule_run("Satisfaction survey reminders", now)

    assert (first, second, scheduled, again) == (2, 0, True, False)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.contact_email for i in waiting)
    assert all("/complaints/s/" in m.body for m in mail.outbox)
    assert not SurveyInvitation.objects.get(pk=answered.pk).reminded_at


def test_no_reminder_while_the_close_is_far(advance, django_capture_on_commit_callbacks):
    sent_campaign(advance, django_capture_on_commit_callbacks, close_in=30)
    mail.outbox.clear()

    assert reminders_send() == 0
    assert mail.outbox == []


def test_sales_enter_an_answer_taken_by_phone_for_their_customer(
    advance, django_capture_on_commit_callbacks, client_for
):
    campaign = sent_campaign(advance, django_capture_on_commit_callbacks, close_in=20)
    seller = UserFactory(roles=["sales"])
    invitation = campaign.invitations.order_by("pk").first()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(salesperson=seller)
    url = reverse("complaints:survey_enter", args=[campaign.pk, invitation.pk])
    data = {
        f"q_{q.pk}": ("1" if q.kind == "scale" else "3")
        for q in campaign.questions.all()
        if q.scored
    }
    data.update({"channel": "phone", "answered_on": timezone.localdate().isoformat()})

    others = campaign.invitations.exclude(pk=invitation.pk)
    listed = client_for(seller).get(reverse("complaints:survey_forms")).content.decode()
    assert url in listed
    assert not any(
        reverse("complaints:survey_enter", args=[campaign.pk, o.pk]) in listed for o in others
    )
    stranger = client_for(UserFactory(roles=["sales"])).post(url, data)
    response = client_for(seller).post(url, data)

    assert stranger.status_code == 403
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.channel, invitation.entered_by) == ("phone", seller)
    # Two 1–5 questions at 1 and a recommendation of 3: three actions, the seller's.
    actions = ImprovementAction.objects.filter(invitation=invitation)
    assert actions.count() == 3
    assert {a.owner for a in actions} == {seller}
    # Entered twice: refused, nothing added.
    again = client_for(seller).post(url, data, follow=True)
    assert any("answered already" in m for m in messages_of(again))
    assert actions.count() == 3


def test_an_entered_answer_on_a_future_day_is_refused(
    advance, django_capture_on_commit_callbacks, client_for
):
    campaign = sent_campaign(advance, django_capture_on_commit_callbacks, close_in=20)
    invitation = campaign.invitations.first()
    data = {
        f"q_{q.pk}": "4" if q.kind == "scale" else "9" for q in campaign.questions.all() if q.scored
    }
    data.update(
        {
            "channel": "paper",
            "answered_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        }
    )

    response = client_for(UserFactory(roles=["sales_assistant"])).post(
        reverse("complaints:survey_enter", args=[campaign.pk, invitation.pk]), data
    )

    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_the_report_is_reviewed_published_and_read_by_all_staff_in_both_languages(
    advance, django_capture_on_commit_callbacks, client_for
):
    campaign = sent_campaign(advance, django_capture_on_commit_callbacks, close_in=20)
    for n, invitation in enumerate(campaign.invitations.order_by("pk")):
        answer(invitation, score=2 + n)
    campaign = advance.take(campaign, "close_survey")
    campaign = advance.take(campaign, "submit_report")
    campaign = advance.take(campaign, "return_report", {"comment": "Say more about delivery."})
    campaign = advance.take(campaign, "submit_report")
    campaign.refresh_from_db()
    report = campaign.reports.order_by("-revision").first()
    assert campaign.reports.count() == 2  # the returned revision is kept
    staff = UserFactory(roles=["warehouse"])  # no role in the survey
    url = reverse("complaints:survey_report_print", args=[campaign.pk, report.revision])

    before = client_for(staff).get(url)
    campaign = advance.take(campaign, "publish_report")
    after = client_for(staff).get(url)
    chinese = client_for(staff, language="zh-hans").get(url)

    assert before.status_code == 403
    assert after.status_code == 200
    text = after.content.decode()
    assert "Customer satisfaction analysis report" in text
    assert text.count("<svg") >= 3
    assert "客户满意度分析报告" in chinese.content.decode()
    report.refresh_from_db()
    assert report.approved_at is not None
    listed = client_for(staff).get(reverse("complaints:survey_reports")).content.decode()
    assert url in listed


def test_the_customers_page_shows_the_answers_by_year(
    advance, django_capture_on_commit_callbacks, client_for
):
    campaign = sent_campaign(advance, django_capture_on_commit_callbacks, close_in=20)
    invitation = campaign.invitations.first()
    answer(invitation, score=5, comment="Very good")

    response = client_for(UserFactory(roles=["marketing_manager"])).get(
        reverse("orders:customer_detail", args=[invitation.customer_id])
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="satisfaction"' in text
    assert str(campaign.year) in text
    assert "Product quality" in text and "Very good" in text
