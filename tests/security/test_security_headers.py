"""Response headers and the application's own error pages: the
Content-Security-Policy, the Permissions-Policy, private caching of every page and
download, attachments saved rather than shown (except images), and the 400, 403
(CSRF), 405 and 500 pages."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samples.models import SampleOrder
from tests.factories import make_png
from tests.kits import post_data
from tests.samples.kit import SampleOrderFactory
from workflows.security import INLINE_TYPES
from workflows.services import attachment_add

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_every_page_carries_a_policy_without_inline_script_and_no_framing(role_user, client_for):
    record = SampleOrderFactory()
    client = client_for(role_user("sales_assistant"))
    for url in (reverse("workflows:inbox"), record.get_absolute_url(), reverse("login")):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert response["Permissions-Policy"] == django_settings.PERMISSIONS_POLICY
        assert "camera=()" in response["Permissions-Policy"]


def test_the_record_page_loads_its_script_from_a_static_file(role_user, client_for):
    record = SampleOrderFactory()
    body = client_for(role_user("sales_assistant")).get(record.get_absolute_url())
    html = body.content.decode()
    assert '<script src="/static/js/record.js"></script>' in html
    assert '<script src="/static/js/app.js"></script>' in html
    assert "<script>" not in html and "onclick" not in html and "onchange" not in html


def cache_directives(response) -> set[str]:
    return {d.strip() for d in response["Cache-Control"].split(",")}


def test_pages_of_a_logged_in_user_are_private_and_never_stored(role_user, client_for):
    record = SampleOrderFactory()
    client = client_for(role_user("sales_assistant"))
    for url in (
        reverse("workflows:inbox"),
        record.get_absolute_url(),
        reverse("workflows:notifications"),
    ):
        response = client.get(url)
        assert {"private", "no-store"} <= cache_directives(response), url
        assert "public" not in cache_directives(response)


def test_the_admins_own_cache_directives_are_kept_and_made_private(client_for, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", None)
    response = client_for(admin).get(reverse("admin:index"))
    assert response.status_code == 200
    assert {"no-cache", "must-revalidate", "private", "no-store"} <= cache_directives(response)


@pytest.fixture
def png_and_pdf(media_root, role_user):
    record = SampleOrderFactory(state="qa_inspection")
    qa = role_user("qa")
    png = attachment_add(
        record=record,
        user=qa,
        upload=SimpleUploadedFile("scratch.png", make_png(), content_type="image/png"),
    )
    pdf = attachment_add(
        record=record,
        user=qa,
        upload=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
    )
    return png, pdf


def test_downloads_are_private_and_only_raster_images_are_shown_inline(
    png_and_pdf, role_user, client_for
):
    png, pdf = png_and_pdf
    client = client_for(role_user("sample_room"))

    image = client.get(png.get_absolute_url())
    document = client.get(pdf.get_absolute_url())

    assert image.status_code == document.status_code == 200
    assert image["Content-Disposition"].startswith("inline;")
    assert document["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in document["Content-Disposition"]
    assert b"".join(document.streaming_content) == PDF
    for download in (image, document):
        assert {"private", "no-store"} <= cache_directives(download)
        assert download["X-Content-Type-Options"] == "nosniff"
    assert {"image/png", "image/jpeg", "image/gif", "image/webp"} == INLINE_TYPES


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("en", "Not possible this way", "This address does not accept a GET request"),
        ("zh-hans", "无法这样操作", "此地址不接受 GET 请求"),
    ],
)
def test_a_get_on_a_step_url_answers_the_applications_405_page(
    language, title, text, role_user, client_for
):
    record = SampleOrderFactory()
    url = reverse("samples:sampleorder_step", args=[record.pk, "issue_work_order"])

    response = client_for(role_user("sales_assistant"), language=language).get(url)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert title in body and text in body
    assert 'data-testid="not-allowed"' in body
    assert {"private", "no-store"} <= cache_directives(response)
    record.refresh_from_db()
    assert record.state == "requested"


@pytest.mark.parametrize(
    ("language", "title"), [("en", "The form has expired"), ("zh-hans", "表单已失效")]
)
def test_a_post_without_its_csrf_token_answers_the_applications_page_and_changes_nothing(
    language, title, role_user
):
    record = SampleOrderFactory()
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    client.force_login(role_user("sales_assistant"))
    url = reverse("samples:sampleorder_step", args=[record.pk, "issue_work_order"])

    response = client.post(url, post_data(SampleOrder, "issue_work_order", seq=record.step_seq))

    assert response.status_code == 403
    body = response.content.decode()
    assert title in body and 'data-testid="csrf-failure"' in body
    record.refresh_from_db()
    assert record.state == "requested"


@pytest.mark.parametrize(("language", "title"), [("en", "Bad request"), ("zh-hans", "请求有误")])
def test_a_request_for_an_unknown_host_answers_the_applications_400_page(
    language, title, settings, caplog
):
    settings.DEBUG = False
    client = Client(headers={"accept-language": language})
    with caplog.at_level(logging.WARNING, logger="django.security"):
        response = client.get(reverse("login"), HTTP_HOST="evil.example")

    assert response.status_code == 400
    body = response.content.decode()
    assert title in body and 'data-testid="bad-request"' in body
    assert any("evil.example" in r.getMessage() for r in caplog.records)


def test_the_500_page_is_friendly_and_rendered_without_touching_the_database(
    client_for, django_assert_num_queries
):
    from workflows.security import server_error

    with django_assert_num_queries(0):
        response = server_error(client_for(None).get(reverse("login")).wsgi_request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "出错了" in body
    assert '<link rel="stylesheet" href="/static/css/errors.css">' in body
