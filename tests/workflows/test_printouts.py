"""Every printout: the company's name and logo (kept in the admin, defaults from
settings), and dated signature lines for the roles that sign, blank where
nobody has signed yet (never "system")."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, make_png
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from workflows.models import CompanyProfile
from workflows.registry import sync_roles
from workflows.selectors import signature_lines, signature_roles
from workflows.services import signoff_record

pytestmark = pytest.mark.django_db

PRINT_QUERIES = 12


def print_url(record) -> str:
    return reverse(f"testflows:{record._meta.model_name}_print", args=[record.pk])


def sign_rows(html: str) -> list[tuple[str, str, str]]:
    """(department, name, date) of each signature line."""
    table = html[html.index('<table class="sign">') :]
    return re.findall(
        r'<tr><th scope="row">(.*?)</th><td class="sign-name">(.*?)</td>'
        r'<td class="sign-date">(.*?)</td></tr>',
        table,
    )


def test_signing_roles_come_from_the_declarations():
    # The creator, the steps expected of someone in order (not cancelling),
    # then the sign-off departments not already there.
    assert signature_roles(Job) == ("sales", "sales_assistant", "sample_room", "pmc", "qa")
    assert signature_roles(Review) == ("bd", "creative", "marketing_manager", "strategy", "finance")


def test_a_model_may_declare_its_signatures(monkeypatch):
    monkeypatch.setattr(Job, "print_signatures", ("qa", "sales"))
    assert signature_roles(Job) == ("qa", "sales")


def test_lines_carry_who_signed_and_when_and_stay_blank_otherwise(
    advance, client_for, role_user, django_assert_max_num_queries
):
    job = advance(JobFactory(), "working")
    planner, worker = role_user("sales_assistant"), role_user("sample_room")
    client = client_for(job.requester)

    with django_assert_max_num_queries(PRINT_QUERIES):
        response = client.get(print_url(job))

    html = response.content.decode()
    assert response.status_code == 200
    today = timezone.localdate(job.step_started_at).isoformat()
    opened = timezone.localdate(job.created_at).isoformat()
    assert sign_rows(html) == [
        ("Salesperson", job.requester.get_full_name(), opened),
        ("Sales assistant", planner.get_full_name(), today),
        ("Sample room", worker.get_full_name(), today),
        ("Production material control (PMC)", "", ""),
        ("Quality department", "", ""),
    ]
    assert "system" not in html.lower()
    assert '<th scope="col">Signature</th><th scope="col">Date</th>' in html


def test_a_sign_off_fills_its_department_line(advance, role_user):
    job = advance(JobFactory(), "rejected")

    signoff_record(record=job, user=role_user("qa"), role="qa", decision="agree", comment="")
    lines = {line.role: line for line in signature_lines(job)}
    assert lines["qa"].user == role_user("qa")
    assert lines["qa"].at is not None
    assert lines["sample_room"].user == role_user("sample_room")  # started and submitted
    assert lines["pmc"].user is None and lines["pmc"].at is None


def test_the_printout_is_in_chinese_with_the_chinese_company_name(advance, client_for):
    review = advance(ReviewFactory(), "consulting")

    html = client_for(review.created_by, language="zh-hans").get(print_url(review)).content
    html = html.decode()

    assert '<div class="company">本公司</div>' in html
    assert '<th scope="col">签字</th><th scope="col">日期</th>' in html
    assert [row[0] for row in sign_rows(html)] == [
        "市场开发人员",
        "创意设计部",
        "市场部经理",
        "策略部",
        "财务部",
    ]


def test_the_company_defaults_come_from_settings(settings, client_for, role_user):
    settings.COMPANY = {"name_zh": "星河电器", "name_en": "Galaxy Appliances", "logo": ""}
    job = JobFactory()

    html = client_for(job.requester).get(print_url(job)).content.decode()

    assert '<div class="company">Galaxy Appliances</div>' in html
    assert 'class="logo"' not in html


def test_the_company_kept_in_the_admin_is_on_every_printout(media_root, client_for):
    CompanyProfile(
        name_zh="星河电器有限公司",
        name_en="Galaxy Appliances Ltd.",
        address="广州市天河路 1 号",
        logo=SimpleUploadedFile("logo.png", make_png()),
    ).save()
    job = JobFactory()
    client = client_for(job.requester)

    html = client.get(print_url(job)).content.decode()

    logo_url = reverse("workflows:company_logo")
    assert f'<img class="logo" src="{logo_url}" alt="Galaxy Appliances Ltd.">' in html
    assert "广州市天河路 1 号" in html
    logo = client.get(logo_url)
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content) == make_png()
    zh = client_for(job.requester, language="zh-hans").get(print_url(job)).content.decode()
    assert '<div class="company">星河电器有限公司</div>' in zh


def test_the_company_is_one_row(media_root):
    CompanyProfile(name_zh="甲").save()
    CompanyProfile(name_zh="乙").save()
    assert list(CompanyProfile.objects.values_list("pk", "name_zh")) == [(1, "乙")]


def test_a_logo_must_be_an_image(media_root, english):
    profile = CompanyProfile(
        name_zh="甲", logo=SimpleUploadedFile("logo.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n")
    )
    with pytest.raises(ValidationError, match="is not an image"):
        profile.full_clean()
    svg = CompanyProfile(name_zh="甲", logo=SimpleUploadedFile("logo.svg", b"<svg></svg>"))
    with pytest.raises(ValidationError, match="not accepted"):
        svg.full_clean()


def test_a_stored_file_that_is_no_image_is_not_served(media_root, client_for, role_user):
    CompanyProfile(name_zh="甲", logo=SimpleUploadedFile("logo.png", b"MZ\x90\x00")).save()
    response = client_for(role_user("sales")).get(reverse("workflows:company_logo"))
    assert response.status_code == 404
    CompanyProfile.objects.all().delete()
    assert client_for(role_user("sales")).get(reverse("workflows:company_logo")).status_code == 404


def test_the_marketing_manager_keeps_the_company_in_the_admin(media_root, client_for):
    sync_roles()
    manager = UserFactory(is_staff=True, roles=["marketing_manager"])
    client = client_for(manager)
    add = reverse("admin:workflows_companyprofile_add")

    refused = client.post(
        add, {"name_zh": "星河电器", "logo": SimpleUploadedFile("logo.png", b"%PDF-1.4\n")}
    )
    kept = client.post(
        add,
        {
            "name_zh": "星河电器",
            "name_en": "Galaxy",
            "logo": SimpleUploadedFile("l.png", make_png()),
        },
    )

    assert refused.status_code == 200
    assert "mislabelled" in [
        e.code for e in refused.context["adminform"].form.errors.as_data()["logo"]
    ]
    assert kept.status_code == 302
    assert CompanyProfile.current().name_en == "Galaxy"
    assert client.get(add).status_code == 403  # one row: changed, not added again
