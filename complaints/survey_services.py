"""Writes of the satisfaction survey: the questionnaire and the customers a
campaign asks, the private links sent and reminded once, an answer saved
once with the improvement actions of its low scores, the report's frozen
revisions, and the year's campaign opened on schedule."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import Customer, CustomerContact, Order
from workflows.roles import role_members
from workflows.services import record_start, revision_approve, revision_submit

from .survey import (
    ACTION_DAYS,
    KEY_ACCOUNT_CREDIT,
    LOW_SCORE,
    SCORE_RANGE,
    CampaignQuestion,
    ImprovementAction,
    QuestionKind,
    Segment,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    SurveyReport,
    token_hash,
)

logger = logging.getLogger(__name__)

INVITATION_TEMPLATE = "complaints/emails/survey_invitation.txt"
REMINDER_TEMPLATE = "complaints/emails/survey_reminder.txt"
REMIND_BEFORE = dt.timedelta(days=7)  # non-respondents are reminded this long before closing


class SurveyClosed(Exception):
    """The survey no longer takes answers (closed, or this form answered)."""


def questions_freeze(campaign: SurveyCampaign, definitions: list[SurveyQuestion]) -> None:
    """The campaign asks these questions with today's wording, kept with
    their codes; a later change of a definition does not touch them."""
    campaign.questions.all().delete()
    CampaignQuestion.objects.bulk_create(
        CampaignQuestion(
            campaign=campaign,
            code=q.code,
            kind=q.kind,
            text_zh=q.text_zh,
            text_en=q.text_en,
            position=n,
        )
        for n, q in enumerate(sorted(definitions, key=lambda q: (q.position, q.code)), start=1)
    )


def customer_defaults(customers: list[Customer], year: int) -> dict[int, dict[str, Any]]:
    """Who to ask at each customer, their salesperson (of the customer's
    latest order) and segment: a key account by its credit limit, a new
    customer without an order before the year."""
    latest = Order.objects.filter(customer=OuterRef("pk")).order_by("-order_date", "-pk")
    earlier = Order.objects.filter(customer=OuterRef("pk"), order_date__year__lt=year)
    contact = CustomerContact.objects.filter(customer=OuterRef("pk")).exclude(email="")
    rows = Customer.objects.filter(pk__in=[c.pk for c in customers]).annotate(
        seller=Subquery(latest.values("salesperson")[:1]),
        before=Subquery(earlier.values("pk")[:1]),
        other_name=Subquery(contact.order_by("pk").values("name")[:1]),
        other_email=Subquery(contact.order_by("pk").values("email")[:1]),
    )
    found: dict[int, dict[str, Any]] = {}
    for c in rows:
        if c.credit_limit >= KEY_ACCOUNT_CREDIT:
            segment = Segment.KEY
        elif c.before is None:
            segment = Segment.NEW
        else:
            segment = Segment.REGULAR
        # The customer's own contact, else the first of its contacts with an email.
        own = bool(c.email) or not c.other_email
        found[c.pk] = {
            "contact_name": c.contact if own else c.other_name,
            "contact_email": c.email if own else c.other_email,
            "salesperson_id": c.seller,
            "segment": segment,
        }
    return found


def invitations_set(campaign: SurveyCampaign, customers: list[Customer]) -> None:
    """The customers the campaign asks: new ones added with their defaults,
    those no longer chosen removed (nothing has been sent yet)."""
    chosen = {c.pk for c in customers}
    campaign.invitations.exclude(customer_id__in=chosen).delete()
    have = set(campaign.invitations.values_list("customer_id", flat=True))
    new = [c for c in customers if c.pk not in have]
    defaults = customer_defaults(new, campaign.year)
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(campaign=campaign, customer=c, **defaults[c.pk]) for c in new
    )


def questionnaire_set(
    *, record: SurveyCampaign, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Effect of “Prepare the questionnaire”."""
    questions_freeze(record, list(data.get("questions") or []))
    invitations_set(record, list(data.get("customers") or []))


def public_url(token: str) -> str:
    return settings.SITE_URL + reverse("complaints:survey_answer", args=[token])


def _email(invitation: SurveyInvitation, token: str, template: str) -> None:
    """Send the contact the private link, after the commit (the token lives
    only in this message)."""
    if not invitation.contact_email:
        return
    with translation.override("zh-hans"):
        text = render_to_string(
            template,
            {
                "invitation": invitation,
                "campaign": invitation.campaign,
                "url": public_url(token),
            },
        )
    subject, _sep, body = text.partition("\n")

    def send() -> None:
        try:
            send_mail(subject.strip(), body.lstrip(), None, [invitation.contact_email])
        except Exception:  # the mail server's errors are many; the link is sent again
            logger.exception("survey email to %s not sent", invitation.pk)

    transaction.on_commit(send)


def link_issue(invitation: SurveyInvitation) -> str:
    """A new private link for the form: a random token, of which only the
    hash is kept (an earlier link stops working)."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    return token


def invitations_send(*, record: SurveyCampaign, user: AbstractBaseUser, data: Any) -> None:
    """Effect of “Send the survey”: each unanswered form gets its private link by email."""
    now = timezone.now()
    invitations = list(
        record.invitations.select_related("customer", "campaign").filter(answered_at__isnull=True)
    )
    for invitation in invitations:
        token = link_issue(invitation)
        invitation.sent_at = now
        _email(invitation, token, INVITATION_TEMPLATE)
    SurveyInvitation.objects.bulk_update(invitations, ["token_hash", "sent_at"])


def reminders_send(now: dt.datetime | None = None) -> int:
    """Remind once each contact who has not answered a survey closing within
    ``REMIND_BEFORE``: the mark is set by a conditional update, so a second
    run (or worker) sends nothing. A reminder carries a new link."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = SurveyInvitation.objects.filter(
        campaign__state=SurveyCampaign.State.RUNNING,
        campaign__close_date__gte=today,
        campaign__close_date__lte=today + REMIND_BEFORE,
        answered_at__isnull=True,
        reminded_at__isnull=True,
        sent_at__isnull=False,
    ).select_related("customer", "campaign")
    sent = 0
    for invitation in due:
        with transaction.atomic():
            claimed = SurveyInvitation.objects.filter(
                pk=invitation.pk, reminded_at__isnull=True, answered_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            token = link_issue(invitation)
            SurveyInvitation.objects.filter(pk=invitation.pk).update(
                token_hash=invitation.token_hash
            )
            _email(invitation, token, REMINDER_TEMPLATE)
            sent += 1
    return sent


def reminders_job(*, now: dt.datetime, period: str) -> None:
    """The daily schedule's job."""
    reminders_send(now)


def invitation_for_token(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 100:
        return None
    return (
        SurveyInvitation.objects.select_related("campaign", "customer")
        .filter(token_hash=token_hash(token))
        .first()
    )


def answer_save(
    *,
    invitation: SurveyInvitation,
    scores: dict[int, int],
    comment: str,
    channel: str,
    answered_on: dt.date | None = None,
    user: AbstractBaseUser | None = None,
) -> SurveyInvitation:
    """Keep a customer's answer once: the form locked, refused when the
    survey is closed or the form already answered; each low score opens one
    improvement action. Raises SurveyClosed or ValidationError, writing nothing."""
    with transaction.atomic():
        locked = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("campaign", "customer")
            .get(pk=invitation.pk)
        )
        campaign = SurveyCampaign.objects.select_for_update().get(pk=locked.campaign_id)
        if locked.answered_at is not None:
            raise SurveyClosed(_("This survey was answered already; thank you."))
        if not campaign.accepting:
            raise SurveyClosed(_("This survey is closed: answers are no longer taken."))
        questions = {q.pk: q for q in campaign.questions.all() if q.scored}
        if set(scores) != set(questions):
            raise ValidationError(_("Answer every question."))
        for pk, score in scores.items():
            low, high = SCORE_RANGE[questions[pk].kind]
            if not low <= score <= high:
                raise ValidationError(
                    _("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}
                )
        now = timezone.now()
        locked.answered_at = now
        locked.answered_on = answered_on or timezone.localdate(now)
        locked.channel = channel
        locked.comment = comment
        locked.entered_by = user
        # Single use: the link now only says thank you (``answered_at``).
        locked.save(
            update_fields=["answered_at", "answered_on", "channel", "comment", "entered_by"]
        )
        answers = SurveyAnswer.objects.bulk_create(
            SurveyAnswer(invitation=locked, question_id=pk, score=score)
            for pk, score in scores.items()
        )
        for answer in answers:
            answer.question = questions[answer.question_id]
        improvements_open(campaign, locked, answers)
    return locked


def action_owner(campaign: SurveyCampaign, invitation: SurveyInvitation) -> Any:
    """The customer's salesperson, else the manager who runs the survey."""
    if invitation.salesperson_id:
        return get_user_model().objects.get(pk=invitation.salesperson_id)
    return campaign.created_by


def improvements_open(
    campaign: SurveyCampaign, invitation: SurveyInvitation, answers: list[SurveyAnswer]
) -> list[ImprovementAction]:
    """One improvement action per low score (the answer is its unique key)."""
    low = [a for a in answers if a.question.scored and a.score <= LOW_SCORE[a.question.kind]]
    if not low:
        return []
    owner = action_owner(campaign, invitation)
    due = timezone.localdate() + dt.timedelta(days=ACTION_DAYS)
    opened = []
    for answer in low:
        with translation.override("zh-hans"):
            text = _("Follow up the low score: %(question)s (%(score)s).") % {
                "question": answer.question.text,
                "score": answer.score,
            }
        action = ImprovementAction(
            invitation=invitation,
            answer=answer,
            customer_id=invitation.customer_id,
            owner=owner,
            due_date=due,
            action=text,
        )
        opened.append(
            record_start(record=action, user=campaign.created_by, comment=campaign.reference)
        )
    return opened


def report_freeze(*, record: SurveyCampaign, user: AbstractBaseUser, data: Any) -> None:
    """Keep the submitted analysis report as a revision nobody can change."""
    revision_submit(
        record=record,
        model=SurveyReport,
        user=user,
        values={name: getattr(record, f"report_{name}") for name in SurveyReport.SECTIONS},
    )


def report_publish(*, record: SurveyCampaign, user: AbstractBaseUser, data: Any) -> None:
    """The last submitted revision is the published report."""
    revision_approve(record=record, model=SurveyReport, user=user)


def campaign_open(year: int, by: AbstractBaseUser) -> SurveyCampaign | None:
    """The year's campaign as a draft with the active questions, unless it
    exists (the unique year decides between two callers)."""
    if SurveyCampaign.objects.filter(year=year).exists():
        return None
    with translation.override("zh-hans"):
        title = _("Customer satisfaction survey %(year)s") % {"year": year}
    campaign = SurveyCampaign(
        year=year,
        title=title,
        close_date=dt.date(year, 12, 15),
        created_by=by,
    )
    try:
        with transaction.atomic():
            record_start(record=campaign, user=by, comment="")
            questions_freeze(campaign, list(SurveyQuestion.objects.filter(active=True)))
    except IntegrityError:
        return None  # opened meanwhile by another worker
    return campaign


def campaign_open_yearly(*, now: dt.datetime, period: str) -> None:
    """The yearly schedule's job: the year's campaign opened as a draft for
    the marketing manager (the first one, else a superuser)."""
    by = (
        role_members("marketing_manager").first()
        or get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    )
    if by is None:
        logger.warning("no marketing manager to open the satisfaction survey of %s", period)
        return
    campaign_open(int(period), by)


def kind_label(kind: str) -> str:
    return str(QuestionKind(kind).label)
