"""Property surveys (楼盘调研, 市场部研展工作细则 (一)): the information manager
registers a new development (新盘); by the next working day the research
supervisor assigns the researcher of its district, who visits it and files the
survey form (市调分析表) the same day; the supervisor reviews it and the
information manager archives it. Key developments (重点楼盘: hot-selling,
slow-selling or distinctive) get a tracking survey every month, opened on a
schedule for the district's researcher, along the same path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.calendar import WorkingDays
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Roles,
    form_fields,
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.roles import MANAGER_ROLES
from workflows.uploads import IMAGE_TYPES
from workflows.validators import FUTURE_DATE, PAST_DATE

TEXT = 2000  # characters of a section of the survey form
MAX_PRICE = Decimal("10000000")  # yuan per m²: far above any development's price
PERIOD = 7  # "2026-12"

# Who reads every development and survey besides the researcher who made it.
PROPERTY_READERS = ("info_manager", *MANAGER_ROLES)


class District(models.Model):
    """A district of the city and the researcher responsible for its
    developments (负责该区域的调研人员), kept in the admin."""

    name = models.CharField(_("district"), max_length=100, unique=True)
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("researcher"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"groups__name": "researcher"},
    )

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Development(WorkflowModel):
    """A development (楼盘) on the department's file: registered by the
    information manager as a new development (新盘), given to its district's
    researcher, and possibly made a key development (重点楼盘) by the research
    supervisor."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("Awaiting a researcher")
        ASSESSING = "assessing", _("Surveyed: key development or not")
        ON_FILE = "on_file", _("On file")
        CLOSED = "closed", _("No longer followed")

    class KeyKind(models.TextChoices):
        HOT = "hot", _("Hot-selling development")
        SLOW = "slow", _("Slow-selling development")
        DISTINCTIVE = "distinctive", _("Distinctive development")

    reference_prefix = "PD"
    final_states = frozenset({State.CLOSED})
    owner_role = "info_manager"
    creator_roles = ("info_manager",)
    read_scope = Owner() | Roles(*PROPERTY_READERS) | CurrentStep() | Escalated()
    manager_roles = ("research_supervisor",)
    # 第二天安排负责该新盘所在区域的调研人员: by the end of the next working day.
    initial_due = WorkingDays(1)
    create_form = form_fields(["name", "district", "developer", "address", "source"])
    search_fields = ("reference", "name", "developer", "address")
    list_columns = ("name", "district", "developer", "key_kind", "researcher")
    list_filters = ("district", "key_kind")
    list_related = ("district", "researcher", "created_by")
    record_related = ("district", "researcher", "key_by")
    url_prefix = "developments/"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"),
        max_length=40,
        choices=State.choices,
        default=State.REGISTERED,
        protected=True,
    )
    name = models.CharField(_("development"), max_length=200)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="developments"
    )
    developer = models.CharField(_("developer"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    source = models.CharField(
        _("source of the information"),
        max_length=200,
        help_text=_("Where the news of the development came from: an advertisement, a fair…"),
    )
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("researcher"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    key_kind = models.CharField(
        _("key development"),
        max_length=20,
        choices=KeyKind.choices,
        blank=True,
        help_text=_("A key development gets a tracking survey every month."),
    )
    key_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made a key development by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("development")
        verbose_name_plural = _("developments")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}" if self.reference else self.name

    @property
    def subject(self) -> str:
        return self.name

    def page_context(self, user: Any) -> dict[str, Any]:
        # The page's parts sit above the models: imported when the page asks.
        from .property_chart import legend, survey_chart
        from .property_services import development_surveys

        surveys = development_surveys(self, user)
        return {"surveys": surveys, "chart": survey_chart(surveys), "chart_legend": legend()}

    # 1. 第二天安排负责该新盘所在区域的调研人员进行市调

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.ASSESSING,
        custom=step(
            label=_("Assign the researcher"),
            roles=["research_supervisor"],
            form="research.property_forms.AssignResearcherForm",
            comment="optional",
            effect="research.property_services.new_survey_open",
        ),
    )
    def development_assign(self, *, by: Any, data: dict[str, Any]) -> None:
        self.researcher = data["researcher"]

    # 2. 重点楼盘为热销楼盘、滞销楼盘以及有特色之楼盘: decided once surveyed, changed later

    @transition(
        field=state,
        source=State.ASSESSING,
        target=State.ON_FILE,
        custom=step(
            label=_("Decide on the key development"),
            roles=["research_supervisor"],
            fields=["key_kind"],
            help_text=_("Leave it empty for an ordinary development."),
            due=WorkingDays(5),
        ),
    )
    def development_classify(self, *, by: Any, data: dict[str, Any]) -> None:
        self.key_by = by if self.key_kind else None

    @transition(
        field=state,
        source=State.ON_FILE,
        target=State.ON_FILE,
        custom=step(
            label=_("Set the key development"),
            roles=["research_supervisor"],
            fields=["key_kind"],
            inbox=False,
        ),
    )
    def development_key(self, *, by: Any, data: dict[str, Any]) -> None:
        self.key_by = by if self.key_kind else None

    @transition(
        field=state,
        source=[State.REGISTERED, State.ASSESSING, State.ON_FILE],
        target=State.CLOSED,
        custom=step(
            label=_("Stop following the development"),
            roles=["research_supervisor"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def development_close(self, *, by: Any, data: dict[str, Any]) -> None:
        self.key_kind = ""


class PropertySurvey(WorkflowModel):
    """A survey of a development on the survey form (市调分析表): filed by the
    researcher on the day of the visit, reviewed by the research supervisor
    (研展主管审看), archived by the information manager (交与信息管理员存档)."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Surveying")
        SUBMITTED = "submitted", _("Survey form under review")
        REVIEWED = "reviewed", _("Reviewed: to be archived")
        ARCHIVED = "archived", _("Archived")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        NEW = "new", _("New development survey")
        TRACKING = "tracking", _("Monthly tracking survey")

    class SalesStatus(models.TextChoices):
        NOT_ON_SALE = "not_on_sale", _("Not yet on sale")
        HOT = "hot", _("Selling fast")
        STEADY = "steady", _("Selling steadily")
        SLOW = "slow", _("Selling slowly")
        SOLD_OUT = "sold_out", _("Sold out")

    reference_prefix = "PS"
    start_labels = {
        "assign": _("Assigned with the development"),
        "schedule": _("Opened by the monthly tracking schedule"),
    }
    final_states = frozenset({State.ARCHIVED, State.WITHDRAWN})
    owner_field = "researcher"
    owner_role = "researcher"
    # Opened by the development's assignment and by the monthly schedule, never on a page.
    creator_roles = ("research_supervisor",)
    read_scope = Owner() | Roles(*PROPERTY_READERS) | CurrentStep() | Escalated()
    manager_roles = ("research_supervisor",)
    # 当天填写完市调分析表: by the end of the day of the visit.
    initial_due = "visit_planned"
    subject_related = ("development",)
    search_fields = ("reference", "development__name", "development__developer")
    list_columns = ("development", "kind", "period", "researcher", "visit_date", "sales_status")
    list_filterset = "research.property_filters.PropertySurveyFilter"
    list_filters = ("kind", "sales_status")
    list_related = ("development__district", "researcher")
    record_related = ("development__district", "researcher")
    url_prefix = "property-surveys/"
    form_widgets = {
        "environment": forms.Textarea(attrs={"rows": 3}),
        "selling_points": forms.Textarea(attrs={"rows": 3}),
        "sales_notes": forms.Textarea(attrs={"rows": 2}),
    }
    print_signatures = ("researcher", "research_supervisor", "info_manager")

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.ASSIGNED, protected=True
    )
    development = models.ForeignKey(
        Development,
        verbose_name=_("development"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("researcher"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("survey"), max_length=10, choices=Kind.choices, default=Kind.NEW, editable=False
    )
    period = models.CharField(_("month tracked"), max_length=PERIOD, blank=True, editable=False)
    visit_planned = models.DateField(_("visit planned for"), validators=FUTURE_DATE)
    # 市调分析表: 价格、房型、面积、产品形态、小区环境、卖点、销售情况
    visit_date = models.DateField(_("visited on"), null=True, blank=True, validators=PAST_DATE)
    price_min = models.DecimalField(
        _("lowest price (yuan/m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_PRICE)],
    )
    price_max = models.DecimalField(
        _("highest price (yuan/m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_PRICE)],
    )
    house_types = models.CharField(_("house types"), max_length=300, blank=True)
    areas = models.CharField(_("areas (m²)"), max_length=300, blank=True)
    product_form = models.CharField(_("product form"), max_length=300, blank=True)
    environment = models.TextField(_("community environment"), blank=True, max_length=TEXT)
    selling_points = models.TextField(_("selling points"), blank=True, max_length=TEXT)
    sales_status = models.CharField(
        _("sales status"), max_length=20, choices=SalesStatus.choices, blank=True
    )
    sales_notes = models.TextField(_("sales notes"), blank=True, max_length=TEXT)

    class Meta(WorkflowModel.Meta):
        verbose_name = _("property survey")
        verbose_name_plural = _("property surveys")
        constraints = [
            # One tracking survey per development and month, however often the
            # schedule runs; one new-development survey per development.
            models.UniqueConstraint(
                fields=["development", "period"],
                condition=models.Q(kind="tracking"),
                name="unique_tracking_survey_month",
            ),
            models.UniqueConstraint(
                fields=["development"],
                condition=models.Q(kind="new"),
                name="unique_new_development_survey",
            ),
        ]

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    def page_context(self, user: Any) -> dict[str, Any]:
        from workflows.rights import readable  # the reads sit above the models

        try:
            shown = readable(user, Development).filter(pk=self.development_id).exists()
        except PermissionDenied:
            shown = False
        return {"development_link": shown}

    @property
    def subject(self) -> str:
        if self.kind == self.Kind.TRACKING:
            return f"{self.development.name} · {self.period}"
        return self.development.name

    def clean(self) -> None:
        super().clean()
        low, high = self.price_min, self.price_max
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"price_max": _("The highest price cannot be below the lowest price.")}
            )

    @cached_property
    def photos(self) -> list[Any]:
        """The record's attachments that are images (the survey form's photos), in one query."""
        return [a for a in self.attachments.all() if a.mime_type in IMAGE_TYPES]

    @property
    def price_mid(self) -> Decimal | None:
        if self.price_min is None or self.price_max is None:
            return None
        return (self.price_min + self.price_max) / 2

    # 当天填写完市调分析表，交与研展主管

    @transition(
        field=state,
        source=State.ASSIGNED,
        target=State.SUBMITTED,
        custom=step(
            label=_("File the survey form"),
            roles=["researcher"],
            rule=OwnerOnly("researcher"),
            fields=[
                "visit_date",
                "price_min",
                "price_max",
                "house_types",
                "areas",
                "product_form",
                "environment",
                "selling_points",
                "sales_status",
                "sales_notes",
            ],
            required=[
                "visit_date",
                "price_min",
                "price_max",
                "house_types",
                "areas",
                "product_form",
                "environment",
                "selling_points",
                "sales_status",
            ],
            form="research.property_forms.SurveyForm",
            due=WorkingDays(1),
            effect="research.property_services.photos_save",
        ),
    )
    def survey_file(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 研展主管审看后，交与信息管理员存档

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.ASSIGNED,
        custom=step(
            label=_("Return the survey form with comments"),
            roles=["research_supervisor"],
            comment="required",
            style="danger",
            due=WorkingDays(1),
        ),
    )
    def survey_return(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.REVIEWED,
        custom=step(
            label=_("Pass the survey form to the information manager"),
            roles=["research_supervisor"],
            style="success",
            due=WorkingDays(1),
        ),
    )
    def survey_pass(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEWED,
        target=State.ARCHIVED,
        custom=step(
            label=_("Archive the survey form"),
            roles=["info_manager"],
            style="success",
        ),
    )
    def survey_archive(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ASSIGNED,
        target=State.WITHDRAWN,
        custom=step(
            label=_("Withdraw the survey"),
            roles=["research_supervisor"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def survey_withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass
