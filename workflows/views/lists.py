"""What a process's list offers besides its rows: sorting headings, exports of
its rows (CSV and XLSX) and the filters a user saved under a name.

An export reads exactly the list's queryset (``WorkflowListView.list_queryset``,
through ``workflows.rights.readable``) and writes the list's columns with the
values the page shows, in the reader's language.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..display import display_date, display_value
from ..filters import (
    DUE,
    REFERENCE,
    STATE,
    WorkflowFilterSet,
    active_filters,
    list_columns,
    saved_query,
)
from ..models import SavedFilter, WorkflowModel
from ..pagination import without_position
from ..rights import readable

EXPORT_FORMATS = ("csv", "xlsx")
# Rows read from the database at a time: the queries of an export don't grow
# with its rows, nor does its memory.
EXPORT_CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a sheet's title may not hold.
ILLEGAL_TITLE = re.compile(r"[\[\]:*?/\\]")
# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _url(model: type[WorkflowModel], page: str, **kwargs: Any) -> str:
    opts = model._meta
    return reverse(f"{opts.app_label}:{opts.model_name}_{page}", kwargs=kwargs or None)


def list_tools(
    request: HttpRequest,
    model: type[WorkflowModel],
    filterset: WorkflowFilterSet,
    term: str,
    sort: tuple[str, bool] | None,
) -> dict[str, Any]:
    """The list page's headings with their sort links, the export links, the
    active filters' count and the user's saved filters."""
    query = without_position(request.GET)
    headings = []
    for column in list_columns(model):
        heading: dict[str, Any] = {"key": column.key, "label": column.label, "url": None}
        if column.order is not None:
            current = sort is not None and sort[0] == column.key
            descending = current and sort[1]  # type: ignore[index]
            heading["direction"] = ("descending" if descending else "ascending") if current else ""
            linked = query.copy()
            # A second click on the sorted column turns its order round.
            ascending_now = current and not descending
            linked["sort"] = f"-{column.key}" if ascending_now else column.key
            heading["url"] = "?" + linked.urlencode()
        headings.append(heading)
    export_query = query.urlencode()
    ct = ContentType.objects.get_for_model(model)
    return {
        "headings": headings,
        "sort": (f"-{sort[0]}" if sort[1] else sort[0]) if sort else "",
        "active_filters": active_filters(filterset, term),
        "exports": [
            {"format": fmt, "url": _url(model, "export", fmt=fmt) + f"?{export_query}"}
            for fmt in EXPORT_FORMATS
        ],
        "saved_filters": [
            {
                "name": saved.name,
                "url": "?" + saved.query,
                "delete_url": _url(model, "filter_delete", saved=saved.pk),
            }
            for saved in SavedFilter.objects.filter(user=request.user, content_type=ct)
        ],
        "save_url": _url(model, "filters"),
        "save_query": saved_query(model, export_query),
        "name_max": SavedFilter.NAME_MAX,
    }


# --- Exports -------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value as the page shows it; numbers stay numbers, empty stays empty."""
    if value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool)):
        return value
    return str(value)


def export_rows(model: type[WorkflowModel], qs: QuerySet) -> Iterator[list[Any]]:
    """The headings, then a row per record: the list's columns with the
    page's values, read ``EXPORT_CHUNK`` records at a time."""
    columns = list_columns(model)
    yield [str(c.label) for c in columns]
    for record in qs.iterator(chunk_size=EXPORT_CHUNK):
        row: list[Any] = []
        for column in columns:
            if column.key == REFERENCE:
                value: Any = record.reference
            elif column.key == STATE:
                value = record.get_state_display()
            elif column.key == DUE:
                due = record.step_due_at
                value = display_date(due) if due and not record.is_final else None
            else:
                value = display_value(record, column.key)
                if isinstance(value, Model):
                    value = str(value)
            row.append(_cell(value))
        yield row


def _in_language(rows: Iterable[list[Any]], language: str) -> Iterator[list[Any]]:
    """Rows made in ``language``, however late the response is read."""
    with translation.override(language):
        yield from rows


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV in UTF-8 with a byte-order mark, so that Excel reads Chinese; a
    text that a spreadsheet would run as a formula is quoted with '."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(["" if v is None else _safe_text(v) for v in row])


def xlsx_file(rows: Iterable[list[Any]], title: str) -> Any:
    """A workbook written row by row (openpyxl's write-only mode), in a
    temporary file; every text cell is text, never a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=ILLEGAL_TITLE.sub(" ", title)[:31] or "Sheet")
    sheet.freeze_panes = "A2"
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it once sent)
    workbook.save(out)
    out.seek(0)
    return out


def export_name(model: type[WorkflowModel], fmt: str) -> str:
    """``<process>-<date>.<format>``, in the reader's language."""
    return get_valid_filename(f"{model.process_name()}-{timezone.localdate():%Y-%m-%d}.{fmt}")


def export_response(model: type[WorkflowModel], qs: QuerySet, fmt: str) -> HttpResponse:
    """The list's rows as a file to download: CSV streamed as it is read,
    XLSX written to a temporary file and streamed from there."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("No such export."))
    rows = _in_language(export_rows(model, qs), translation.get_language())
    name = export_name(model, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    return FileResponse(
        xlsx_file(rows, str(model.process_name())),
        as_attachment=True,
        filename=name,
        content_type=XLSX_TYPE,
    )


# --- Saved filters --------------------------------------------------------------------------


class SavedFilterView(View):
    """POST: save the list's current query under a name; POST to a saved
    filter's URL: delete it. Only for users who may read the list; each user
    sees and deletes only their own."""

    model: type[WorkflowModel] = None  # type: ignore[assignment]  # as_view(model=...)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, saved: int | None = None) -> HttpResponse:
        readable(request.user, self.model)  # PermissionDenied: 403
        ct = ContentType.objects.get_for_model(self.model)
        back = _url(self.model, "list")
        if saved is not None:
            found = get_object_or_404(SavedFilter, pk=saved, user=request.user, content_type=ct)
            found.delete()
            messages.success(request, _("Filter “%(name)s” deleted.") % {"name": found.name})
            return redirect(back)
        query = saved_query(self.model, request.POST.get("query", ""))
        typed = "".join(ch for ch in request.POST.get("name", "") if ch.isprintable() or ch == " ")
        name = " ".join(typed.split())
        target = back + (f"?{query}" if query else "")
        if not name:
            messages.error(request, _("Give the filter a name to save it."))
            return redirect(target)
        if len(name) > SavedFilter.NAME_MAX:
            messages.error(
                request,
                _("A filter's name has at most %(max)d characters.")
                % {"max": SavedFilter.NAME_MAX},
            )
            return redirect(target)
        try:
            with transaction.atomic():
                SavedFilter.objects.create(
                    user=request.user, content_type=ct, name=name, query=query
                )
        except IntegrityError:
            messages.error(
                request,
                _("You already have a filter named “%(name)s” on this list. Choose another name.")
                % {"name": name},
            )
            return redirect(target)
        messages.success(request, _("Filter “%(name)s” saved.") % {"name": name})
        return redirect(target)


__all__ = ["SavedFilterView", "export_response", "list_tools"]
