"""Checks on every file attached to a workflow record (work orders, reports, contracts...).

An attachment is accepted only when

* it is neither empty nor larger than ``settings.WORKFLOW_UPLOAD_MAX_BYTES``;
* its *content* (magic bytes, never the name or the browser's header) is one of
  ``ALLOWED_TYPES``: PDF, PNG, JPEG, GIF, WEBP, Office documents (docx, xlsx, pptx and
  the legacy OLE doc/xls/ppt) or plain text / CSV in UTF-8 or GB18030;
* its file-name extension is one of those allowed for the detected type, so a PNG
  called ``contract.pdf`` or a program called ``report.pdf`` is refused.

Text has no magic number: it is recognised only when no binary type was detected and
the first 64 KiB decode as UTF-8 (with or without a BOM) or GB18030 and contain no NUL
byte. Text that starts like HTML, XML, SVG or a ``#!`` script is *not* plain text, even
when it is called ``.txt``: it is refused as an unsupported type.

Use ``validate_upload(f)`` in code, or ``UploadValidator()`` in a form or model field::

    attachment = forms.FileField(validators=[UploadValidator()])

``fit_file_name`` shortens the name a file is *stored* under: forms count a name's
characters, the filesystem its bytes (255 in UTF-8 on ext4, 85 Chinese characters).
"""

from __future__ import annotations

import codecs
import math
import os
import zipfile
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "ALLOWED_TYPES",
    "IMAGE_TYPES",
    "ImageUploadValidator",
    "UploadValidator",
    "detect_content_type",
    "fit_file_name",
    "validate_image",
    "validate_upload",
]

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Legacy Office files are OLE2 compound documents. Their magic bytes do not say whether
# they hold a Word, Excel or PowerPoint file (filetype's guesses at that are heuristics
# that misfire), so they are one detected type that may carry any of the three names.
OLE = "application/x-ole-storage"
TEXT = "text/plain"

# Detected, never accepted: reported so that callers and logs can say what was refused.
ZIP = "application/zip"
DOCM = "application/vnd.ms-word.document.macroEnabled.12"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
PPTM = "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
HTML = "text/html"
XML = "application/xml"
SVG = "image/svg+xml"
SCRIPT = "text/x-script"

ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    GIF: (".gif",),
    WEBP: (".webp",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    OLE: (".doc", ".xls", ".ppt"),
    TEXT: (".txt", ".csv"),
}
"""Detected MIME type -> allowed file-name extensions (lowercase, with the dot)."""

ACCEPTED_EXTENSIONS: tuple[str, ...] = tuple(
    extension for extensions in ALLOWED_TYPES.values() for extension in extensions
)
"""Every accepted extension, e.g. for ``<input type="file" accept="...">``."""

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF8_BOM = codecs.BOM_UTF8
SIGNATURE_BYTES = 8192  # what filetype inspects: read first
TEXT_SNIFF_BYTES = 64 * 1024  # what the text check inspects: the most ever read
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
KB = 1024
MB = 1024 * 1024

# filetype's names for things it detects -> the type they are for this module.
_ALIASES = {"image/apng": PNG}  # an animated PNG is a PNG
# filetype results that are only a ZIP container: the zip directory decides what they are.
_ZIP_CONTAINERS = frozenset({ZIP, DOCX, XLSX, PPTX})
# Top-level folder of the main part of each OOXML document -> (type, macro-enabled type).
_OOXML_PARTS = {
    "word/": (DOCX, DOCM),
    "xl/": (XLSX, XLSM),
    "ppt/": (PPTX, PPTM),
}
# What browsers sniff as HTML (WHATWG MIME sniffing), followed by a tag-ending byte.
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
_TAG_ENDS = b" >/\t\n\r\f"

_MESSAGES = {
    "empty": _("“%(name)s” is empty."),
    "too_large": _("“%(name)s” is %(size)s; the limit is %(limit)s."),
    "missing_extension": _(
        "“%(name)s” has no file-name extension (such as .pdf, .docx or .jpg), "
        "so its type cannot be checked. Rename it and upload it again."
    ),
    "unsupported_type": _(
        "“%(name)s”: this type of file is not accepted. "
        "Accepted: PDF, images (PNG, JPEG, GIF, WEBP), Office documents, text and CSV."
    ),
    "mislabelled": _(
        "“%(name)s”: the content is %(detected)s, but the name says %(claimed)s. "
        "Rename the file or choose the right one."
    ),
    "not_image": _("“%(name)s” is not an image. Accepted: PNG, JPEG, GIF, WEBP."),
}

# How the "mislabelled" message names a detected type.
_TYPE_LABELS = {
    PDF: _("a PDF document"),
    PNG: _("a PNG image"),
    JPEG: _("a JPEG image"),
    GIF: _("a GIF image"),
    WEBP: _("a WEBP image"),
    DOCX: _("a Word document (.docx)"),
    XLSX: _("an Excel workbook (.xlsx)"),
    PPTX: _("a PowerPoint presentation (.pptx)"),
    OLE: _("a legacy Office document (.doc, .xls or .ppt)"),
    TEXT: _("plain text"),
}


def detect_content_type(f: UploadedFile) -> str | None:
    """MIME type detected from the file's first bytes, or None.

    Never from its name or the browser's header. Reads at most the first 64 KiB, except
    for a ZIP container, whose directory is read with ``zipfile`` (nothing is extracted).
    The file is left at position 0.
    """
    head = _read_head(f, SIGNATURE_BYTES)
    if not head:
        return None
    if head.startswith(OLE_MAGIC):
        return OLE
    kind = filetype.guess(head)
    detected = _ALIASES.get(kind.mime, kind.mime) if kind is not None else None
    if detected in _ZIP_CONTAINERS:
        return _zip_content_type(f)
    if detected in ALLOWED_TYPES:
        return detected
    # Some of filetype's signatures are two printable letters ("BM" for BMP, "MZ" for
    # EXE): a CSV starting with "BMW," is text. Real binaries of those types have NUL
    # bytes in their headers, so they fail the text check and keep their binary type.
    if len(head) == SIGNATURE_BYTES:  # there may be more: text is judged on 64 KiB
        head = _read_head(f, TEXT_SNIFF_BYTES)
    text_type = _text_content_type(head, complete=len(head) < TEXT_SNIFF_BYTES)
    return text_type if text_type is not None else detected


def validate_upload(f: UploadedFile) -> str:
    """Return the detected MIME type, or raise ValidationError with a clear, translatable message.

    Error codes: ``empty``, ``too_large``, ``missing_extension``, ``unsupported_type``,
    ``mislabelled``. The file is left at position 0.
    """
    name = os.path.basename(f.name or "")
    try:
        size = _size(f)
        if size == 0:
            raise _error("empty", name=name)
        max_bytes = int(getattr(settings, "WORKFLOW_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))
        if size > max_bytes:
            raise _error(
                "too_large",
                name=name,
                size=_format_size(size, round_up=True),
                limit=_format_size(max_bytes),
                size_bytes=size,
                max_bytes=max_bytes,
            )
        extension = _extension(name)
        if not extension:
            raise _error("missing_extension", name=name)
        content_type = detect_content_type(f)
    finally:
        f.seek(0)

    if content_type not in ALLOWED_TYPES or extension not in ACCEPTED_EXTENSIONS:
        raise _error("unsupported_type", name=name, extension=extension, content_type=content_type)
    if extension not in ALLOWED_TYPES[content_type]:
        raise _error(
            "mislabelled",
            name=name,
            detected=_TYPE_LABELS[content_type],
            claimed=extension.removeprefix(".").upper(),
            extension=extension,
            content_type=content_type,
        )
    return content_type


@deconstructible
class UploadValidator:
    """Validator for ``forms.FileField(validators=[UploadValidator()])`` (or a model FileField)."""

    def __call__(self, f: UploadedFile) -> None:
        validate_upload(f)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator)

    def __hash__(self) -> int:
        return hash(type(self))


# What an image field (the company's logo) accepts: pictures a browser shows, never SVG.
IMAGE_TYPES = frozenset({PNG, JPEG, GIF, WEBP})


def validate_image(f: UploadedFile) -> str:
    """``validate_upload``, and the content must be one of ``IMAGE_TYPES``."""
    content_type = validate_upload(f)
    if content_type not in IMAGE_TYPES:
        raise _error("not_image", name=os.path.basename(f.name or ""), content_type=content_type)
    return content_type


@deconstructible
class ImageUploadValidator:
    """``UploadValidator`` for images only: a model or form field of a picture."""

    def __call__(self, f: UploadedFile) -> None:
        validate_image(f)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImageUploadValidator)

    def __hash__(self) -> int:
        return hash(type(self))


def fit_file_name(name: str, *, max_bytes: int, max_chars: int) -> str:
    """``name`` cut to at most ``max_bytes`` in UTF-8 and ``max_chars`` characters.

    The extension is kept (unless it alone is too long) and the stem is cut at a
    character, never inside one.
    """
    stem, extension = os.path.splitext(name)
    if len(extension) >= max_chars or len(extension.encode()) >= max_bytes:
        stem, extension = name, ""
    byte_room = max_bytes - len(extension.encode())
    chars = 0
    used = 0
    for char in stem[: max_chars - len(extension)]:
        used += len(char.encode())
        if used > byte_room:
            break
        chars += 1
    return stem[:chars] + extension


def _error(code: str, **params: Any) -> ValidationError:
    return ValidationError(_MESSAGES[code], code=code, params=params)


def _read_head(f: UploadedFile, size: int) -> bytes:
    f.seek(0)
    try:
        return bytes(f.read(size) or b"")
    finally:
        f.seek(0)


def _size(f: UploadedFile) -> int:
    if f.size is not None:
        return int(f.size)
    f.seek(0, os.SEEK_END)
    return f.tell()


def _extension(name: str) -> str:
    extension = os.path.splitext(name)[1].lower()
    return "" if extension == "." else extension


def _zip_content_type(f: UploadedFile) -> str:
    """OOXML type of a ZIP container, from its directory; ``ZIP`` if it is none of them."""
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as archive:  # reads the central directory only
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return ZIP
    finally:
        f.seek(0)
    if "[Content_Types].xml" not in names:
        return ZIP
    found = [
        types for prefix, types in _OOXML_PARTS.items() if any(n.startswith(prefix) for n in names)
    ]
    if len(found) != 1:
        return ZIP
    plain, macro_enabled = found[0]
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return macro_enabled
    return plain


def _text_content_type(head: bytes, *, complete: bool) -> str | None:
    """``TEXT`` (or HTML/XML/SVG/script) if ``head`` is UTF-8 or GB18030 text, else None.

    ``complete`` says whether ``head`` is the whole file; if not, a multi-byte character
    cut at its end is not an error.
    """
    if head.startswith(UTF8_BOM):
        body = head[len(UTF8_BOM) :]
        encodings: tuple[str, ...] = ("utf-8",)
    else:
        body = head
        encodings = ("utf-8", "gb18030")
    if b"\x00" in body or not any(_decodes(body, enc, final=complete) for enc in encodings):
        return None
    start = body.lstrip(b" \t\r\n\f").lower()
    if start.startswith(b"#!"):
        return SCRIPT
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in body.lower()):
        return SVG
    if start.startswith(b"<?xml"):
        return XML
    for tag in _HTML_STARTS:
        # The byte after the tag: b"" (end of file) is also "in" _TAG_ENDS.
        if start.startswith(tag) and start[len(tag) : len(tag) + 1] in _TAG_ENDS:
            return HTML
    return TEXT


def _decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _format_size(num_bytes: int, *, round_up: bool = False) -> str:
    """``12.3 MB``, ``512 KB``, ``100 bytes``; ``round_up`` so a file just over a limit
    never shows as equal to it."""
    if num_bytes >= MB:
        return gettext("%(size)s MB") % {"size": _one_decimal(num_bytes / MB, round_up)}
    if num_bytes >= KB:
        return gettext("%(size)s KB") % {"size": _one_decimal(num_bytes / KB, round_up)}
    return ngettext("%(size)d byte", "%(size)d bytes", num_bytes) % {"size": num_bytes}


def _one_decimal(value: float, round_up: bool) -> str:
    value = math.ceil(value * 10) / 10 if round_up else round(value, 1)
    return f"{value:.1f}".removesuffix(".0")
