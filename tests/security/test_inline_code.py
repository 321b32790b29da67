"""No template (nor static page) has inline script, event-handler attributes or inline styles: the
Content-Security-Policy (script-src and style-src 'self') would block them."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""[\s"'/]on[a-z]+\s*=""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""[\s"'/]style\s*=""", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def template_files() -> list[Path]:
    # The templates, and the static pages nginx shows (413, 429, 502).
    folders = [ROOT / "templates", *ROOT.glob("*/templates"), ROOT / "static" / "errors"]
    files = [f for folder in folders for f in folder.rglob("*") if f.suffix in {".html", ".svg"}]
    return sorted(f for f in files if ".venv" not in f.parts)


def offences(text: str) -> list[str]:
    found = []
    for match in SCRIPT_TAG.finditer(text):
        if "src=" not in match.group(1):
            found.append(f"inline script: {match.group(0)}")
    for pattern, what in (
        (EVENT_HANDLER, "event handler attribute"),
        (STYLE_ATTRIBUTE, "style attribute"),
        (STYLE_TAG, "style element"),
        (JAVASCRIPT_URL, "javascript: URL"),
    ):
        found.extend(f"{what}: {m.group(0).strip()}" for m in pattern.finditer(text))
    return found


def test_the_scan_finds_every_kind_of_inline_code():
    sample = (
        '<script>alert(1)</script><script type="module">x()</script>'
        '<button onclick="go()">'
        "<select name=x onChange='submit()'>"
        '<p style="color:red"><style>p{}</style><a href="javascript:void(0)">'
    )
    assert len(offences(sample)) == 7
    assert offences('<script src="/static/js/app.js"></script><a data-onclick="x">') == []


def test_no_template_has_inline_script_handlers_or_styles():
    files = template_files()
    assert len(files) > 30  # the scan reads the real templates
    assert ROOT / "templates" / "workflows" / "record_base.html" in files
    assert ROOT / "static" / "errors" / "429.html" in files
    problems = {
        str(f.relative_to(ROOT)): found for f in files if (found := offences(f.read_text()))
    }
    assert problems == {}
