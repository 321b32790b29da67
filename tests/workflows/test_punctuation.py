"""The Chinese text uses full-width punctuation (：，；（）) and never a doubled
colon: in the compiled catalogs, and in what templates put around translated
labels and values (a template writes ``{% colon %}`` or ``{% comma %}``, which
give "：" and "，" in Chinese, instead of typing ": " or ", ")."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

BASE = Path(settings.BASE_DIR)
CATALOGS = sorted(
    p
    for p in [
        *BASE.glob("locale/zh_Hans/LC_MESSAGES/django.mo"),
        *BASE.glob("*/locale/zh_Hans/LC_MESSAGES/django.mo"),
        *BASE.glob("tests/*/locale/zh_Hans/LC_MESSAGES/django.mo"),
    ]
)
TEMPLATE_DIRS = [BASE / "templates", *BASE.glob("*/templates"), *BASE.glob("tests/*/templates")]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ASCII_MARKS = ":,;()"
# Placeholders and addresses keep their ASCII: %(name)s, %s, {0}, http://…
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sd]|\{[^{}]*\}|https?://\S+")
DOUBLE_COLON = re.compile(r"[:：]\s*[:：]")


def ascii_marks_by_chinese(text: str) -> list[str]:
    """The ASCII marks of ``text`` with a Chinese character on either side (a
    space between counts as beside); placeholders and URLs are left out."""
    bare = PLACEHOLDER.sub("X", text)
    found = []
    for i, char in enumerate(bare):
        if char not in ASCII_MARKS:
            continue
        before = bare[max(0, i - 2) : i].rstrip(" ")[-1:]
        after = bare[i + 1 : i + 3].lstrip(" ")[:1]
        if CJK.match(before or " ") or CJK.match(after or " "):
            found.append(f"{char!r} in {text!r}")
    return found


def faults(text: str) -> list[str]:
    found = ascii_marks_by_chinese(text)
    if DOUBLE_COLON.search(PLACEHOLDER.sub("X", text)):
        found.append(f"doubled colon in {text!r}")
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("状态：已完成", []),
        ("状态: 已完成", ["':' in '状态: 已完成'"]),
        ("生产物料控制(PMC)", ["'(' in '生产物料控制(PMC)'"]),
        ("王芳, 2026-05-01", ["',' in '王芳, 2026-05-01'"]),
        ("可随时保存;提交后锁定", ["';' in '可随时保存;提交后锁定'"]),
        ("状态：：已完成", ["doubled colon in '状态：：已完成'"]),
        ("期限：: 明天", ["':' in '期限：: 明天'", "doubled colon in '期限：: 明天'"]),
        ("每部分最多 4,000 字", []),  # digits keep their grouping
        ("例如 04:00:00 表示四小时", []),
        ("%(ref)s：“%(state)s”（%(due)s）", []),
        ("请打开 https://example.com/a,b:c 链接", []),
        ("Status: done (today)", []),  # no Chinese beside it
    ],
)
def test_the_scan_names_ascii_marks_beside_chinese_and_doubled_colons(text, expected):
    assert faults(text) == expected


def test_the_catalogs_are_found():
    names = {str(p.relative_to(BASE)) for p in CATALOGS}

    assert "locale/zh_Hans/LC_MESSAGES/django.mo" in names
    assert "tests/testflows/locale/zh_Hans/LC_MESSAGES/django.mo" in names


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(BASE)))
def test_the_chinese_catalog_uses_full_width_punctuation_and_no_double_colon(catalog):
    with catalog.open("rb") as handle:
        messages = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    texts = [text for key, text in messages.items() if key and isinstance(text, str)]

    assert len(texts) > 50 or "testflows" in str(catalog)
    assert [f for text in texts for f in faults(text)] == []


# --- Templates ----------------------------------------------------------------------------

BLOCK = re.compile(r"\{% blocktrans(?:late)?\b.*?%\}.*?\{% endblocktrans(?:late)? %\}", re.S)
# A mark typed right after a tag's or a value's output: after a translated
# label, a colon the template adds is ASCII in Chinese, or a second colon.
TYPED_AFTER = re.compile(r"(%\}|\}\})[ \t]*([:：,;])")


def typed_marks(source: str) -> list[str]:
    """Marks a template types after a tag or a value, outside translated blocks
    (whose text, and so its punctuation, is translated whole)."""
    text = BLOCK.sub("{{ translated }}", source)
    return [text[max(0, m.start() - 30) : m.end()] for m in TYPED_AFTER.finditer(text)]


def test_the_template_scan_names_a_colon_typed_after_a_label():
    assert typed_marks('{% translate "Issued" %}: {{ day }}') == ['{% translate "Issued" %}:']
    assert typed_marks("{{ who }}, {{ when }}") == ["{{ who }},"]
    assert typed_marks("{% blocktranslate %}{{ ref }}: due{% endblocktranslate %}") == []
    assert typed_marks('{% translate "Issued" %}{% colon %}{{ day }}') == []


def test_no_template_types_a_colon_or_comma_after_a_label_or_a_value():
    found = {
        str(path.relative_to(BASE)): marks
        for folder in TEMPLATE_DIRS
        for path in sorted(folder.rglob("*"))
        if path.suffix in (".html", ".txt") and (marks := typed_marks(path.read_text()))
    }

    assert found == {}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Issued: 2026-05-01, Fang"), ("zh-hans", "开单日期：2026-05-01，Fang")],
)
def test_colon_and_comma_follow_the_readers_language(language, expected):
    template = Template(
        "{% load i18n workflow_tags %}"
        '{% translate "Issued" %}{% colon %}{{ day }}{% comma %}{{ who }}'
    )

    with translation.override(language):
        rendered = template.render(Context({"day": "2026-05-01", "who": "Fang"}))

    assert rendered == expected
