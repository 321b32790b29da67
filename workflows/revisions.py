"""Revisions of a record: its declared fields and its lines frozen into a stored
snapshot, named Original, Rev A, Rev B, …, and the difference between two
snapshots field by field and line by line.

A model declares what a revision holds::

    class Quotation(WorkflowModel):
        revision_fields = ("customer", "payment_terms", "valid_until")
        revision_lines = RevisionLines("lines", key="position",
                                       fields=("product", "quantity", "unit_price"))
        revision_model = "orders.QuotationRevision"

and a concrete model of its app keeps the snapshots::

    class QuotationRevision(RevisionBase):
        record = models.ForeignKey(Quotation, on_delete=models.CASCADE,
                                   related_name="revisions")

        class Meta(RevisionBase.Meta):
            constraints = [revision_unique("quotationrevision")]

``freeze(record, by=user)`` stores the next revision; ``diff(old, new, model)``
compares two snapshots (``Revision.snapshot``, or ``snapshot(record)`` for the
record as it is now) and gives the changed fields and the added, removed and
changed lines with the fields' verbose names and values as the pages show them;
``workflows/partials/revision_diff.html`` renders it.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

from workflows.display import EMPTY, display_date, display_value

#: The version of the snapshot's layout, stored in every snapshot.
FORMAT = 1


@dataclass(frozen=True)
class RevisionLines:
    """A record's line rows as a revision holds them: ``related`` is the
    reverse accessor (``"lines"``), ``key`` a field that names a line stably
    across revisions (its position), ``fields`` what is compared."""

    related: str
    key: str
    fields: tuple[str, ...]
    # Rows each line holds of its own (a line's delivery batches): the line
    # model's reverse accessor and the fields kept of each row. A line's rows
    # are compared as a whole, as one more field of the line.
    nested: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def line_model(self, model: type[models.Model]) -> type[models.Model]:
        return model._meta.get_field(self.related).related_model

    @property
    def names(self) -> tuple[str, ...]:
        """The line's fields, then its nested rows' accessors: what is compared."""
        return (*self.fields, *(related for related, _fields in self.nested))


def revision_label(number: int) -> str:
    """0 is the original; 1 is Rev A, 2 Rev B, … 26 Rev Z, 27 Rev AA."""
    if number <= 0:
        return str(_("Original"))
    letters = ""
    n = number
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return str(_("Rev %(letters)s") % {"letters": letters})


# -- freezing ---------------------------------------------------------------


def _encode(obj: models.Model, name: str) -> Any:
    """A field's value in JSON: a relation as [pk, label], a Decimal as its
    exact text, a date or moment in ISO format."""
    f = obj._meta.get_field(name)
    if f.is_relation:
        related = getattr(obj, name)
        if related is None:
            return None
        label = display_value(obj, name)
        return [related.pk, str(label)]
    value = getattr(obj, name)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def nested_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """A line's nested rows as a snapshot keeps them: each row a list of its
    encoded values, in the order of those values (the same rows are stored
    alike whatever order they were read in)."""
    return sorted(
        (list(row) for row in rows), key=lambda r: ["" if v is None else str(v) for v in r]
    )


def _line(row: models.Model, spec: RevisionLines) -> dict[str, Any]:
    data = {name: _encode(row, name) for name in (spec.key, *spec.fields)}
    for related, names in spec.nested:
        data[related] = nested_rows(
            [_encode(sub, name) for name in names] for sub in getattr(row, related).all()
        )
    return data


def snapshot(record: models.Model) -> dict[str, Any]:
    """The record's declared fields and lines as they are now (JSON-safe)."""
    model = type(record)
    data: dict[str, Any] = {
        "format": FORMAT,
        "fields": {name: _encode(record, name) for name in model.revision_fields},
        "lines": [],
    }
    spec: RevisionLines | None = getattr(model, "revision_lines", None)
    if spec is not None:
        rows = getattr(record, spec.related).all().order_by(spec.key)
        if spec.nested:
            rows = rows.prefetch_related(*(related for related, _fields in spec.nested))
        data["lines"] = [_line(row, spec) for row in rows]
    return data


def revision_model_of(model: type[models.Model]) -> type[RevisionBase]:
    name = model.revision_model
    return apps.get_model(name) if isinstance(name, str) else name


def freeze(record: models.Model, *, by: Any, note: str = "") -> RevisionBase:
    """Store the record as it is now as its next revision and return it. Call it
    inside the transaction that holds the record's row lock, so that two
    freezes of one record number their revisions one after the other (a unique
    constraint on (record, number) refuses a second of the same number)."""
    revision_model = revision_model_of(type(record))
    last = (
        revision_model.objects.filter(record=record)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return revision_model.objects.create(
        record=record,
        number=0 if last is None else last + 1,
        snapshot=snapshot(record),
        created_by=by,
        note=note,
    )


# -- the difference -----------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class LineChange:
    key: Any
    status: str  # "added", "removed" or "changed"
    changes: tuple[FieldChange, ...]
    cells: tuple[tuple[str, str], ...] = ()  # an added or removed line's (label, value)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


STATUS_LABELS = {"added": _("added"), "removed": _("removed"), "changed": _("changed")}


@dataclass
class RevisionDiff:
    fields: list[FieldChange] = field(default_factory=list)
    lines: list[LineChange] = field(default_factory=list)
    line_labels: tuple[str, ...] = ()  # the lines' fields' verbose names
    key_label: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.lines)

    @property
    def changed_names(self) -> set[str]:
        return {c.name for c in self.fields}


def _decode(model: type[models.Model], name: str, raw: Any) -> str:
    """A stored value as the pages show it, in the reader's language."""
    if raw is None or raw == "":
        return EMPTY
    f = model._meta.get_field(name)
    if f.is_relation:
        return str(raw[1])
    if isinstance(f, models.DecimalField):
        value: Any = decimal.Decimal(raw)
    elif isinstance(f, models.DateTimeField):
        value = dt.datetime.fromisoformat(raw)
    elif isinstance(f, models.DateField):
        value = dt.date.fromisoformat(raw)
    else:
        value = raw
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return display_date(value)
    return str(value)


def _same(a: Any, b: Any) -> bool:
    """Equal as values: relations by key, decimals by amount (1.50 is 1.5)."""
    if isinstance(a, list) and isinstance(b, list):
        return a[0] == b[0]
    if isinstance(a, str) and isinstance(b, str):
        try:
            return decimal.Decimal(a) == decimal.Decimal(b)
        except decimal.InvalidOperation:
            return a == b
    return a == b


def _nested_model(line_model: type[models.Model], related: str) -> type[models.Model]:
    return line_model._meta.get_field(related).related_model


def _nested_label(line_model: type[models.Model], related: str) -> str:
    return str(_nested_model(line_model, related)._meta.verbose_name_plural)


def _nested_shown(
    line_model: type[models.Model], related: str, names: tuple[str, ...], rows: Any
) -> str:
    """A line's nested rows as the pages show them: "2026-05-01 × 50; …"."""
    if not rows:
        return EMPTY
    model = _nested_model(line_model, related)
    return "; ".join(
        " × ".join(_decode(model, name, value) for name, value in zip(names, row, strict=True))
        for row in rows
    )


def _same_rows(a: list[list[Any]], b: list[list[Any]]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(_same(v, w) for v, w in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


def _nested_changes(
    line_model: type[models.Model], spec: RevisionLines, old: dict, new: dict
) -> list[FieldChange]:
    """The changes of a line's nested rows; a snapshot frozen before the line
    held them (the key missing) is not compared."""
    found = []
    for related, names in spec.nested:
        if related not in old or related not in new:
            continue
        if not _same_rows(old[related], new[related]):
            found.append(
                FieldChange(
                    related,
                    _nested_label(line_model, related),
                    _nested_shown(line_model, related, names, old[related]),
                    _nested_shown(line_model, related, names, new[related]),
                )
            )
    return found


def _changes(
    model: type[models.Model], names: Iterable[str], old: dict, new: dict
) -> list[FieldChange]:
    return [
        FieldChange(
            name,
            str(model._meta.get_field(name).verbose_name),
            _decode(model, name, old.get(name)),
            _decode(model, name, new.get(name)),
        )
        for name in names
        if not _same(old.get(name), new.get(name))
    ]


def diff(old: dict[str, Any], new: dict[str, Any], model: type[models.Model]) -> RevisionDiff:
    """What changed from snapshot ``old`` to snapshot ``new`` of a ``model``
    record: its fields in declaration order, then its lines by their key in
    key order (a line only in ``new`` is added, only in ``old`` removed)."""
    result = RevisionDiff(
        fields=_changes(model, model.revision_fields, old.get("fields", {}), new["fields"])
    )
    spec: RevisionLines | None = getattr(model, "revision_lines", None)
    if spec is None:
        return result
    line_model = spec.line_model(model)
    result.key_label = str(line_model._meta.get_field(spec.key).verbose_name)
    result.line_labels = tuple(
        str(line_model._meta.get_field(name).verbose_name) for name in spec.fields
    ) + tuple(_nested_label(line_model, related) for related, _names in spec.nested)
    before = {row[spec.key]: row for row in old.get("lines", [])}
    after = {row[spec.key]: row for row in new.get("lines", [])}
    for key in sorted(before.keys() | after.keys()):
        if key not in before or key not in after:
            status, row = ("added", after[key]) if key in after else ("removed", before[key])
            values = [_decode(line_model, name, row.get(name)) for name in spec.fields] + [
                _nested_shown(line_model, related, names, row.get(related))
                for related, names in spec.nested
            ]
            cells = tuple(zip(result.line_labels, values, strict=True))
            result.lines.append(LineChange(key, status, (), cells))
            continue
        changes = _changes(line_model, spec.fields, before[key], after[key])
        changes += _nested_changes(line_model, spec, before[key], after[key])
        if changes:
            result.lines.append(LineChange(key, "changed", tuple(changes)))
    return result


# -- the stored revision -------------------------------------------------------


class RevisionBase(models.Model):
    """A frozen revision of a record. A concrete subclass adds ``record``, the
    foreign key to its process model (``related_name="revisions"``)."""

    number = models.PositiveSmallIntegerField(_("revision number"), editable=False)
    snapshot = models.JSONField(_("snapshot"), editable=False)
    note = models.CharField(_("reason for the revision"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revised by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("revised at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ("number",)

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return revision_label(self.number)

    def diff_from(self, earlier: RevisionBase) -> RevisionDiff:
        return diff(earlier.snapshot, self.snapshot, self._meta.get_field("record").related_model)


def revision_unique(name: str) -> models.UniqueConstraint:
    """The constraint a concrete revision model declares: one number per record."""
    return models.UniqueConstraint(fields=("record", "number"), name=f"{name}_one_number")
