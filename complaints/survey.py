"""The yearly customer satisfaction survey (客户满意度调查): a campaign a year,
its questionnaire approved by the product-marketing manager, the survey form
(客户满意度调查表) sent to each chosen customer as a private single-use link
(or entered by sales from a phone call or a paper form), reminders to those
who have not answered, and the analysis report (客户满意度分析报告) reviewed
and published. Every low score opens one improvement action in its owner's
inbox.

Questions are defined in the admin (``SurveyQuestion``) with a stable
``code``; a campaign keeps the wording it asked with (``CampaignQuestion``),
so that answers compare across years by code while the wording of later
years changes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.calendar import WorkingDays, end_of
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Participants,
    Roles,
    form_fields,
    step,
)
from workflows.models import AdminHistory, DocumentRevision, WorkflowModel
from workflows.roles import MANAGER_ROLES
from workflows.validators import FUTURE_DATE, PAST_DATE

COMMENT_MAX = 2000  # characters of a customer's comment
REPORT_SECTION = 4000  # characters of a section of the analysis report
ACTION_DAYS = 30  # an improvement action is due this many days after the answer
KEY_ACCOUNT_CREDIT = 1_000_000  # a customer with this credit limit (CNY) is a key account


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Score 1–5")
    RECOMMEND = "recommend", _("Would recommend, 0–10")
    COMMENT = "comment", _("Free comment")


# The scores a kind takes, and the highest score that opens an improvement action.
SCORE_RANGE: dict[str, tuple[int, int]] = {
    QuestionKind.SCALE: (1, 5),
    QuestionKind.RECOMMEND: (0, 10),
}
LOW_SCORE: dict[str, int] = {QuestionKind.SCALE: 2, QuestionKind.RECOMMEND: 6}


def token_hash(token: str) -> str:
    """What is stored of a private link's token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class SurveyQuestion(models.Model):
    """A question of the satisfaction survey, kept in the admin. Its ``code``
    stays when its wording changes, so answers compare across years."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Stays the same across years when the wording changes."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    @property
    def text(self) -> str:
        return self.text_zh if translation.get_language() == "zh-hans" else self.text_en


def has_questions(campaign: SurveyCampaign) -> bool:
    return campaign.questions.exists()


has_questions.message = _(  # type: ignore[attr-defined]
    "The questionnaire has no questions: choose at least one in “Prepare the questionnaire”."
)


def has_customers(campaign: SurveyCampaign) -> bool:
    return campaign.invitations.exists()


has_customers.message = _(  # type: ignore[attr-defined]
    "No customer is chosen: choose them in “Prepare the questionnaire”."
)


def still_open(campaign: SurveyCampaign) -> bool:
    return campaign.close_date >= timezone.localdate()


still_open.message = _(  # type: ignore[attr-defined]
    "The close date has passed: prepare the questionnaire again with a later one."
)


def close_due(campaign: SurveyCampaign) -> dt.datetime:
    """The survey runs until the end of its close date."""
    return end_of(campaign.close_date)


class SurveyCampaign(WorkflowModel):
    """The year's customer satisfaction survey (客户满意度调查)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Preparing the questionnaire")
        REVIEW = "review", _("Questionnaire review")
        APPROVED = "approved", _("Approved, to send")
        RUNNING = "running", _("Survey running")
        ANALYSIS = "analysis", _("Writing the analysis report")
        REPORT_REVIEW = "report_review", _("Report review")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    reference_prefix = "CS"
    final_states = frozenset({State.PUBLISHED, State.CANCELLED})
    creator_roles = ("marketing_manager",)
    read_scope = Participants() | Roles("sales", "sales_assistant", *MANAGER_ROLES) | Escalated()
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(5)
    print_signatures = ("marketing_manager", "product_marketing_manager")
    create_form = form_fields(["year", "title", "close_date", "intro"], not_in_past=["close_date"])
    search_fields = ("reference", "title")
    list_columns = ("year", "title", "close_date")
    url_prefix = "surveys/"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2999)]
    )
    title = models.CharField(_("title"), max_length=200)
    close_date = models.DateField(
        _("close date"),
        validators=FUTURE_DATE,
        help_text=_("The customers answer until the end of this day; the links expire then."),
    )
    intro = models.TextField(
        _("message to the customers"),
        blank=True,
        max_length=2000,
        help_text=_("Shown above the questions and in the email."),
    )
    report_summary = models.TextField(_("summary"), blank=True, max_length=REPORT_SECTION)
    report_findings = models.TextField(
        _("findings and improvements"), blank=True, max_length=REPORT_SECTION
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(fields=["year"], name="unique_survey_campaign_year"),
        ]

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return self.title

    @property
    def accepting(self) -> bool:
        """Customers may answer now."""
        return self.state == self.State.RUNNING and self.close_date >= timezone.localdate()

    def page_context(self, user: Any) -> dict[str, Any]:
        from .survey_analysis import analysis

        return {
            "questions": list(self.questions.all()),
            "analysis": analysis(self),
            "revisions": list(self.reports.select_related("submitted_by", "approved_by")),
            "may_enter": user.has_perm("complaints.add_surveyanswer")
            and self.state == self.State.RUNNING,
        }

    @transition(
        field=state,
        source=[State.DRAFT],
        target=State.DRAFT,
        custom=step(
            label=_("Prepare the questionnaire"),
            roles=["marketing_manager"],
            form="complaints.survey_forms.PrepareForm",
            due=WorkingDays(5),
            effect="complaints.survey_services.questionnaire_set",
            style="secondary",
            help_text=_(
                "Choose the questions (kept in the admin) and the customers to ask; "
                "the questions are kept with the wording asked."
            ),
        ),
    )
    def prepare(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.REVIEW,
        conditions=[has_questions, has_customers],
        custom=step(
            label=_("Submit the questionnaire for approval"),
            roles=["marketing_manager"],
            due=WorkingDays(3),
            notify=["product_marketing_manager"],
        ),
    )
    def submit_questionnaire(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.APPROVED,
        conditions=[has_questions],
        custom=step(
            label=_("Approve the questionnaire"),
            roles=["product_marketing_manager"],
            due=WorkingDays(2),
            style="success",
        ),
    )
    def approve_questionnaire(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.DRAFT,
        custom=step(
            label=_("Return the questionnaire with comments"),
            roles=["product_marketing_manager"],
            comment="required",
            due=WorkingDays(3),
            style="danger",
        ),
    )
    def return_questionnaire(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.RUNNING,
        conditions=[still_open],
        custom=step(
            label=_("Send the survey to the customers"),
            roles=["marketing_manager"],
            due=close_due,
            effect="complaints.survey_services.invitations_send",
            help_text=_(
                "Each contact gets an email with a private link, valid until the close date."
            ),
        ),
    )
    def send_survey(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.RUNNING,
        target=State.ANALYSIS,
        custom=step(
            label=_("Close the survey: write the analysis"),
            roles=["marketing_manager"],
            due=WorkingDays(10),
        ),
    )
    def close_survey(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ANALYSIS,
        target=State.REPORT_REVIEW,
        custom=step(
            label=_("Submit the analysis report"),
            roles=["marketing_manager"],
            fields=["report_summary", "report_findings"],
            required=["report_summary", "report_findings"],
            due=WorkingDays(3),
            notify=["product_marketing_manager"],
            effect="complaints.survey_services.report_freeze",
        ),
    )
    def submit_report(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REPORT_REVIEW,
        target=State.ANALYSIS,
        custom=step(
            label=_("Return the report with comments"),
            roles=["product_marketing_manager"],
            comment="required",
            due=WorkingDays(5),
            style="danger",
        ),
    )
    def return_report(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REPORT_REVIEW,
        target=State.PUBLISHED,
        custom=step(
            label=_("Publish the analysis report"),
            roles=["product_marketing_manager"],
            effect="complaints.survey_services.report_publish",
            style="success",
        ),
    )
    def publish_report(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.REVIEW, State.APPROVED],
        target=State.CANCELLED,
        custom=step(
            label=_("Cancel the survey"),
            roles=["marketing_manager"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def cancel_survey(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class CampaignQuestion(models.Model):
    """A question as a campaign asked it: its code, kind and wording frozen
    when the questionnaire was prepared."""

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), editable=False)

    class Meta:
        verbose_name = _("question asked")
        verbose_name_plural = _("questions asked")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="unique_campaign_question")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    @property
    def text(self) -> str:
        return self.text_zh if translation.get_language() == "zh-hans" else self.text_en

    @property
    def scored(self) -> bool:
        return self.kind in SCORE_RANGE

    @property
    def scores(self) -> range:
        low, high = SCORE_RANGE[self.kind]
        return range(low, high + 1)


class Segment(models.TextChoices):
    KEY = "key", _("Key account")
    REGULAR = "regular", _("Regular customer")
    NEW = "new", _("New customer")


class SurveyInvitation(models.Model):
    """One customer's survey form (客户满意度调查表) in a campaign: whom to
    ask, the private link (its token's hash only), and how it was answered."""

    class Channel(models.TextChoices):
        LINK = "link", _("Answered through the link")
        PHONE = "phone", _("Taken by phone")
        PAPER = "paper", _("Paper form")

    campaign = models.ForeignKey(
        SurveyCampaign,
        verbose_name=_("satisfaction survey"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    customer = models.ForeignKey(
        "orders.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="survey_invitations",
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    segment = models.CharField(
        _("customer segment"), max_length=10, choices=Segment.choices, default=Segment.REGULAR
    )
    # NULL once answered (or before sending): unique among the links that work.
    token_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    channel = models.CharField(_("answered by"), max_length=10, choices=Channel.choices, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True, validators=PAST_DATE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    comment = models.TextField(_("comments"), blank=True, max_length=COMMENT_MAX)

    class Meta:
        verbose_name = _("customer satisfaction survey form")
        verbose_name_plural = _("customer satisfaction survey forms")
        ordering = ["campaign", "customer__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="unique_survey_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.year} · {self.customer.name}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class SurveyAnswer(models.Model):
    """A score a customer gave to a scored question."""

    invitation = models.ForeignKey(
        SurveyInvitation, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(CampaignQuestion, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["invitation", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="unique_survey_answer")
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={self.score}"


class SurveyReport(DocumentRevision):
    """A submitted revision of the analysis report (客户满意度分析报告), frozen."""

    record_field = "campaign"

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="reports")
    summary = models.TextField(_("summary"), editable=False)
    findings = models.TextField(_("findings and improvements"), editable=False)

    SECTIONS = ("summary", "findings")

    class Meta:
        verbose_name = _("satisfaction report revision")
        verbose_name_plural = _("satisfaction report revisions")
        ordering = ["campaign", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "revision"], name="unique_survey_report")
        ]

    def __str__(self) -> str:
        return str(_("revision %(n)s") % {"n": self.revision})


IMPROVEMENT_READERS = (
    Owner() | Owner("invitation__salesperson") | Roles(*MANAGER_ROLES) | CurrentStep() | Escalated()
)


class ImprovementAction(WorkflowModel):
    """An improvement action a low score opened (one per low answer), in its
    owner's inbox until the product-marketing manager, who reviews the
    survey's analysis, verifies it."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done, to verify")
        VERIFIED = "verified", _("Verified")
        DROPPED = "dropped", _("Dropped")

    reference_prefix = "IA"
    subject_related = ("customer",)
    final_states = frozenset({State.VERIFIED, State.DROPPED})
    owner_field = "owner"
    owner_role = "sales"
    creator_roles = ("marketing_manager",)
    read_scope = IMPROVEMENT_READERS
    manager_roles = ("marketing_manager",)
    initial_due = "due_date"
    search_fields = ("reference", "customer__name", "action")
    list_columns = ("customer", "action", "owner", "due_date")
    list_related = ("customer", "owner")
    record_related = (
        "customer",
        "owner",
        "invitation__campaign",
        "invitation__customer",
        "answer__question",
        "verified_by",
    )
    url_prefix = "improvements/"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.OPEN, protected=True
    )
    invitation = models.ForeignKey(
        SurveyInvitation,
        verbose_name=_("customer satisfaction survey form"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    answer = models.OneToOneField(
        SurveyAnswer,
        verbose_name=_("low score"),
        on_delete=models.PROTECT,
        related_name="action",
        editable=False,
    )
    customer = models.ForeignKey(
        "orders.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        editable=False,
    )
    action = models.TextField(_("improvement"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due by"), validators=FUTURE_DATE)
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=PAST_DATE)
    evidence = models.TextField(_("what was done"), blank=True, max_length=2000)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.action[:60]}"

    @transition(
        field=state,
        source=State.OPEN,
        target=State.DONE,
        custom=step(
            label=_("Improvement done"),
            roles=["sales", "marketing_manager"],
            rule=OwnerOnly("owner"),
            fields=["done_on", "evidence"],
            required=["done_on", "evidence"],
            due=WorkingDays(3),
            style="success",
        ),
    )
    def improvement_done(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.DONE,
        target=State.VERIFIED,
        custom=step(
            label=_("Verify the improvement"),
            roles=["product_marketing_manager"],
            style="success",
        ),
    )
    def improvement_verify(self, *, by: Any, data: dict[str, Any]) -> None:
        self.verified_by = by

    @transition(
        field=state,
        source=State.DONE,
        target=State.OPEN,
        custom=step(
            label=_("Not done as written: send the improvement back"),
            roles=["product_marketing_manager"],
            comment="required",
            due=WorkingDays(5),
            style="danger",
        ),
    )
    def improvement_send_back(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.OPEN,
        target=State.DROPPED,
        custom=step(
            label=_("Drop the improvement"),
            roles=["product_marketing_manager"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def improvement_drop(self, *, by: Any, data: dict[str, Any]) -> None:
        pass
