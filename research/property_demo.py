"""Demo property surveys (楼盘调研): districts with their researchers, new
developments awaiting a researcher, surveys in every state, and a key
development tracked month by month (its page's chart), made through the
engine (``workflows.walker``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone

from workflows.services import record_start
from workflows.walker import Walker

from .models_property import Development, District, PropertySurvey
from .property_services import tracking_surveys_open

MORE_RESEARCHERS = (("researcher2", "周明"),)
# (district, index of its researcher)
DISTRICTS = (("福田区", 0), ("南山区", 0), ("龙岗区", 1), ("宝安区", 1))


def _today(days: int = 0) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def survey_form(visit: dt.date, low: str, high: str, status: str, note: str = "") -> dict[str, Any]:
    """The survey form (市调分析表) as the filing step's form posts it."""
    return {
        "visit_date": visit,
        "price_min": low,
        "price_max": high,
        "house_types": "两房、三房、四房",
        "areas": "78–143 m²",
        "product_form": "高层住宅，33 层，两梯四户",
        "environment": "中心园林约 8000 m²，人车分流，临近地铁站。",
        "selling_points": "地铁口、名校学区、低密度园林。",
        "sales_status": status,
        "sales_notes": note,
    }


def _researchers(users: dict[str, AbstractBaseUser]) -> list[AbstractBaseUser]:
    User = get_user_model()
    group = Group.objects.get(name="researcher")
    found = [users["researcher"]]
    for username, name in MORE_RESEARCHERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": name, "email": f"{username}@example.com"}
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
            user.groups.add(group)
        found.append(user)
    return found


def _register(
    users: dict[str, AbstractBaseUser], district: District, name: str, developer: str, address: str
) -> Development:
    return record_start(
        record=Development(
            name=name,
            district=district,
            developer=developer,
            address=address,
            source="《深圳特区报》房产广告",
        ),
        user=users["info_manager"],
    )


def _assign(walker: Walker, development: Development) -> PropertySurvey:
    walker.take(
        development,
        "development_assign",
        {"researcher": development.district.researcher_id, "visit_planned": _today()},
    )
    return development.surveys.get(kind=PropertySurvey.Kind.NEW)


def _months_ago(n: int) -> dt.date:
    day = _today().replace(day=10)
    for _ in range(n):
        day = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    return day


def load(users: dict[str, AbstractBaseUser]) -> bool:
    if Development.objects.exists():
        return False
    walker = Walker(user_for=users.__getitem__)
    with transaction.atomic():
        researchers = _researchers(users)
        districts = {
            name: District.objects.get_or_create(
                name=name, defaults={"researcher": researchers[i]}
            )[0]
            for name, i in DISTRICTS
        }
        # New developments awaiting their researcher.
        _register(
            users,
            districts["宝安区"],
            "海岸明珠花园",
            "宝安海岸置业有限公司",
            "宝安区新安街道海岸路 18 号",
        )
        _register(
            users,
            districts["福田区"],
            "香蜜湖一号",
            "香蜜湖地产发展有限公司",
            "福田区香蜜湖路 1 号",
        )

        # Assigned: the survey form still to file.
        _assign(
            walker,
            _register(users, districts["南山区"], "蛇口湾畔", "招商蛇口", "南山区望海路 66 号"),
        )

        # Filed and under review; returned and filed again; reviewed; archived.
        dev = _register(users, districts["龙岗区"], "龙城华府", "龙岗城投", "龙岗区龙城大道 99 号")
        walker.walk(
            _assign(walker, dev),
            [("survey_file", survey_form(_today(), "28500", "36000", "steady"))],
        )
        dev = _register(users, districts["宝安区"], "前海天境", "前海置地", "宝安区前海大道 8 号")
        walker.walk(
            _assign(walker, dev),
            [
                ("survey_file", survey_form(_today(), "52000", "61000", "hot")),
                ("survey_return", {"comment": "请补充各户型的面积段和主力户型。"}),
                (
                    "survey_file",
                    survey_form(_today(), "52000", "61000", "hot", "主力户型 89 m² 三房。"),
                ),
            ],
        )
        dev = _register(
            users, districts["南山区"], "科技园峰景", "南山科技园开发公司", "南山区科苑路 12 号"
        )
        walker.walk(
            _assign(walker, dev),
            [
                ("survey_file", survey_form(_today(), "78000", "95000", "not_on_sale")),
                "survey_pass",
            ],
        )

        # A key development followed month by month: its page's chart.
        dev = _register(
            users, districts["福田区"], "中心天御", "福田中心区开发集团", "福田区益田路 3 号"
        )
        walker.walk(
            _assign(walker, dev),
            [
                ("survey_file", survey_form(_months_ago(5), "61000", "72000", "hot")),
                "survey_pass",
                "survey_archive",
            ],
        )
        dev.refresh_from_db()
        walker.take(dev, "development_classify", {"key_kind": Development.KeyKind.HOT})
        dev.refresh_from_db()
        prices = (
            ("62000", "73500", "hot"),
            ("63000", "74000", "hot"),
            ("61500", "72000", "steady"),
            ("60000", "70000", "slow"),
        )
        for n, (low, high, status) in zip(range(4, 0, -1), prices, strict=True):
            visit = _months_ago(n)
            survey = record_start(
                record=PropertySurvey(
                    development=dev,
                    researcher=dev.district.researcher,
                    kind=PropertySurvey.Kind.TRACKING,
                    period=visit.strftime("%Y-%m"),
                    visit_planned=visit,
                ),
                user=users["research_supervisor"],
                name="schedule",
            )
            walker.walk(
                survey,
                [
                    ("survey_file", survey_form(visit, low, high, status)),
                    "survey_pass",
                    "survey_archive",
                ],
            )
        # This month's tracking survey, still to be filed.
        tracking_surveys_open(now=timezone.now(), period=timezone.localdate().strftime("%Y-%m"))
    return True
