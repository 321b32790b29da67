"""The property surveys' kit (楼盘调研): factories for districts, developments
and surveys, valid data of their steps, what their steps do, and crowds for
the query bounds. ``tests/research/kit.py`` adds these to its ``KITS``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory

from research.models_property import Development, District, PropertySurvey
from tests.factories import RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n:04d}")
    researcher = factory.SubFactory(UserFactory, roles=["researcher"])


class DevelopmentFactory(RecordFactory):
    """A development registered by an information manager, in a district with
    its researcher (also the development's, as once assigned)."""

    class Meta:
        model = Development

    district = factory.SubFactory(DistrictFactory)
    created_by = factory.SubFactory(UserFactory, roles=["info_manager"])
    researcher = factory.SelfAttribute("district.researcher")
    name = factory.Sequence(lambda n: f"Harbour View Garden {n:05d}")
    developer = "Coastal Properties Ltd."
    address = factory.Sequence(lambda n: f"{n} Harbour Road")
    source = "Property fair"


class SurveyFactory(RecordFactory):
    """A new development's survey for its district's researcher, to visit today."""

    class Meta:
        model = PropertySurvey

    development = factory.SubFactory(DevelopmentFactory, state=Development.State.ON_FILE)
    researcher = factory.SelfAttribute("development.district.researcher")
    created_by = factory.SubFactory(UserFactory, roles=["research_supervisor"])
    visit_planned = factory.LazyFunction(lambda: in_days(0))


def survey_form(**overrides: Any) -> dict[str, Any]:
    """The survey form (市调分析表) as the filing step posts it."""
    return {
        "visit_date": in_days(0),
        "price_min": Decimal("32000.00"),
        "price_max": Decimal("38500.50"),
        "house_types": "2 and 3 bedrooms",
        "areas": "78-128 m²",
        "product_form": "High-rise, 32 floors",
        "environment": "Central garden, next to the metro.",
        "selling_points": "Metro, school district, sea view.",
        "sales_status": PropertySurvey.SalesStatus.HOT,
        "sales_notes": "",
        **overrides,
    }


FILED = {k: v for k, v in survey_form().items() if k != "sales_notes"}

STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (Development, "development_assign"): lambda: {
        "researcher": UserFactory(roles=["researcher"]).pk,
        "visit_planned": in_days(0),
    },
    (Development, "development_classify"): lambda: {"key_kind": Development.KeyKind.HOT},
    (Development, "development_key"): lambda: {"key_kind": Development.KeyKind.SLOW},
    (PropertySurvey, "survey_file"): survey_form,
}

MAX_QUERIES = {"list": 12, "inbox": 18, "record": 18}
SURVEY_MAX_QUERIES = {"list": 12, "inbox": 18, "record": 18}


def developments_to_assign(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A research supervisor with ``n`` new developments of three districts to assign."""
    supervisor = role_user("research_supervisor")
    districts = DistrictFactory.create_batch(3)
    records = [DevelopmentFactory(district=districts[i % 3], researcher=None) for i in range(n)]
    return Crowd(supervisor, records, ["development_assign", "development_close"])


def surveys_to_review(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A research supervisor with ``n`` filed survey forms of three researchers to review."""
    supervisor = role_user("research_supervisor")
    districts = DistrictFactory.create_batch(3)
    developments = [
        DevelopmentFactory(district=districts[i % 3], state="on_file") for i in range(3)
    ]
    records = [
        SurveyFactory(
            state="submitted",
            development=developments[i % 3],
            kind=PropertySurvey.Kind.TRACKING,
            period=f"{2000 + i // 12:04d}-{i % 12 + 1:02d}",
            **{**FILED, "visit_date": in_days(-i)},
        )
        for i in range(n)
    ]
    return Crowd(supervisor, records, ["survey_return", "survey_pass"])


def development_create_data(owner: Any) -> dict[str, Any]:
    return {
        "name": "Seaside Residence",
        "district": DistrictFactory().pk,
        "developer": "Seaside Land Co.",
        "address": "8 Coast Avenue",
        "source": "Newspaper advertisement",
    }


KITS = [
    ProcessKit(
        model=Development,
        factory=DevelopmentFactory,
        step_data=STEP_DATA,
        effects={
            "development_assign": lambda r, u: r.surveys.filter(
                kind="new", created_by=u, researcher=r.researcher
            ).exists(),
            "development_classify": lambda r, u: r.key_by_id == u.pk,
            "development_key": lambda r, u: r.key_by_id == u.pk,
        },
        snapshot=lambda r: (
            r.researcher_id,
            r.key_kind,
            r.key_by_id,
            tuple(r.surveys.values_list("pk", "state")),
        ),
        crowd=developments_to_assign,
        max_queries=MAX_QUERIES,
        list_texts=lambda r: [r.name],
        create_data=development_create_data,
    ),
    ProcessKit(
        model=PropertySurvey,
        factory=SurveyFactory,
        step_data=STEP_DATA,
        effects={
            "survey_file": lambda r, u: (
                r.price_min == Decimal("32000.00") and r.price_max == Decimal("38500.50")
            ),
        },
        snapshot=lambda r: (
            r.visit_date,
            r.price_min,
            r.price_max,
            r.sales_status,
            r.attachments.count(),
        ),
        crowd=surveys_to_review,
        max_queries=SURVEY_MAX_QUERIES,
        list_texts=lambda r: [r.development.name],
    ),
]
