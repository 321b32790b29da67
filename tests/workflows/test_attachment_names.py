"""Long file names: the filesystem counts a name's bytes (255 on ext4), the
form counts its characters. A name of 84 Chinese characters and ``.png`` is
256 bytes in UTF-8: the stored file gets a shortened name that fits, with
its extension, beside the storage's random suffix; the attachment keeps the
name the user gave for display and download."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_png
from tests.kits import post_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import messages_of, step_url
from workflows.models import Attachment
from workflows.uploads import fit_file_name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NAME_MAX = 255  # bytes of one path component on the filesystems we run on
CHINESE = "样品检验报告第一轮客户反馈意见汇总" * 5  # 85 characters
LONG_CHINESE = CHINESE[:84] + ".png"  # 256 bytes
LONG_ASCII = "r" * 251 + ".png"  # 255 characters, as many as the form allows


def attach(client, record, name: str, content: bytes):
    return client.post(
        reverse("testflows:job_attach", args=[record.pk]),
        {"file": SimpleUploadedFile(name, content), "description": "Long name"},
        follow=True,
    )


def check_stored(attachment: Attachment, name: str, content: bytes) -> None:
    """Shown under the name given, stored under one that fits, with its content."""
    assert attachment.original_name == name
    stored = os.path.basename(attachment.file.name)
    assert len(stored.encode()) <= NAME_MAX
    assert len(attachment.file.name) <= Attachment._meta.get_field("file").max_length
    assert stored.endswith(".png")
    assert os.path.isfile(attachment.file.path)
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize("name", [LONG_CHINESE, LONG_ASCII], ids=["chinese", "ascii"])
def test_a_file_with_a_name_over_255_bytes_is_attached_on_the_record_page(
    name, media_root, role_user, client_for
):
    assert len(name.encode()) >= NAME_MAX
    record = JobFactory(state="checking")
    client = client_for(role_user("qa"))
    png = make_png()

    first = attach(client, record, name, png)
    # The same name again: the storage adds its random suffix, which must fit too.
    second = attach(client, record, name, png)

    assert first.status_code == second.status_code == 200
    assert messages_of(first) == messages_of(second) == ["File attached."]
    one, two = Attachment.objects.order_by("pk")
    check_stored(one, name, png)
    check_stored(two, name, png)
    assert one.file.name != two.file.name
    assert name in second.content.decode()

    download = client_for(role_user("sample_room")).get(one.get_absolute_url())
    assert download.status_code == 200
    assert quote(name) in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == png


def test_a_file_with_a_name_over_255_bytes_is_attached_with_a_step(
    media_root, role_user, client_for
):
    record = JobFactory(state="checking")
    png = make_png()
    data = post_data(Job, "pass_check", seq=record.step_seq, prefixed=True)
    data["pass_check-attachment"] = SimpleUploadedFile(LONG_CHINESE, png)

    response = client_for(role_user("qa")).post(step_url(record, "pass_check"), data)

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == "delivered"
    (attachment,) = record.attachments.all()
    check_stored(attachment, LONG_CHINESE, png)
    assert attachment.state == "checking"


@pytest.mark.parametrize(
    ("name", "max_bytes", "max_chars", "expected"),
    [
        ("report.pdf", 255, 255, "report.pdf"),
        ("报告.pdf", 10, 255, "报告.pdf"),  # 6 + 4 bytes: fits exactly
        ("报告书.pdf", 10, 255, "报告.pdf"),  # a character is never cut in half
        ("报告书.pdf", 255, 6, "报告.pdf"),  # characters counted as well as bytes
        ("abcdef", 4, 255, "abcd"),  # no extension
        ("a.very-long-extension", 8, 255, "a.very-l"),  # an extension that cannot fit
    ],
)
def test_fit_file_name_keeps_the_extension_and_cuts_the_stem(name, max_bytes, max_chars, expected):
    assert fit_file_name(name, max_bytes=max_bytes, max_chars=max_chars) == expected
