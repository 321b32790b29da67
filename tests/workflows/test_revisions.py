"""Revisions (workflows.revisions) on the test app's jobs: a job's declared fields
and its parts frozen, numbered Original, Rev A, Rev B, …, and compared field by
field and line by line."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from tests.factories import CustomerFactory, in_days
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job, JobPart, JobRevision
from workflows.checks import check_process_model
from workflows.revisions import RevisionLines, diff, freeze, revision_label, snapshot

pytestmark = pytest.mark.django_db


def job_with_parts(**kwargs: Any) -> Job:
    job = JobFactory(quantity=3, due_date=dt.date(2030, 5, 1), **kwargs)
    JobPart.objects.create(job=job, position=1, name="Frame", quantity=2, unit_price="10.50")
    JobPart.objects.create(job=job, position=2, name="Glass", quantity=1, unit_price="99.00")
    return job


@pytest.mark.parametrize(
    ("number", "label"),
    [(0, "Original"), (1, "Rev A"), (2, "Rev B"), (26, "Rev Z"), (27, "Rev AA"), (52, "Rev AZ")],
)
def test_revisions_are_named_original_then_letters(number: int, label: str) -> None:
    with translation.override("en"):
        assert revision_label(number) == label


def test_a_revision_is_named_in_chinese_too() -> None:
    with translation.override("zh-hans"):
        assert revision_label(0) == "原版"
        assert revision_label(2) == "B版"


def test_a_snapshot_keeps_decimals_dates_and_relations_as_json() -> None:
    job = job_with_parts()
    data = snapshot(job)
    assert json.loads(json.dumps(data)) == data
    assert data["fields"]["due_date"] == "2030-05-01"
    assert data["fields"]["quantity"] == 3
    assert data["fields"]["customer"] == [job.customer.pk, str(job.customer)]
    assert data["lines"] == [
        {"position": 1, "name": "Frame", "quantity": 2, "unit_price": "10.50"},
        {"position": 2, "name": "Glass", "quantity": 1, "unit_price": "99.00"},
    ]


def test_freezing_numbers_revisions_one_after_the_other(
    django_assert_max_num_queries: Any, english: None
) -> None:
    job = job_with_parts()
    first = freeze(job, by=job.requester)
    with django_assert_max_num_queries(3):  # the last number, the lines, the insert
        second = freeze(job, by=job.requester, note="Price changed")
    assert (first.number, second.number) == (0, 1)
    assert [r.label for r in job.revisions.all()] == ["Original", "Rev A"]
    assert second.note == "Price changed"


def test_one_number_is_taken_once() -> None:
    job = job_with_parts()
    freeze(job, by=job.requester)
    with pytest.raises(IntegrityError), transaction.atomic():
        JobRevision.objects.create(record=job, number=0, snapshot={}, created_by=job.requester)
    assert job.revisions.count() == 1


def test_a_frozen_revision_keeps_what_the_record_was() -> None:
    job = job_with_parts()
    original = freeze(job, by=job.requester)
    Job.objects.filter(pk=job.pk).update(title="Renamed")
    JobPart.objects.filter(job=job).delete()
    original.refresh_from_db()
    assert original.snapshot["fields"]["title"] != "Renamed"
    assert len(original.snapshot["lines"]) == 2


def test_the_difference_names_fields_and_lines_with_their_values(english: None) -> None:
    job = job_with_parts()
    original = freeze(job, by=job.requester)
    old_customer = str(job.customer)
    other = CustomerFactory()
    job.quantity = 5
    job.due_date = dt.date(2030, 6, 1)
    job.customer = other
    job.kind = Job.Kind.RUSH
    job.save()
    JobPart.objects.filter(job=job, position=1).update(unit_price=Decimal("11.00"))
    JobPart.objects.filter(job=job, position=2).delete()
    JobPart.objects.create(job=job, position=3, name="Hinge", quantity=4, unit_price="2")
    revised = freeze(job, by=job.requester)

    result = revised.diff_from(original)

    assert [(c.label, c.old, c.new) for c in result.fields] == [
        ("job type", "Standard job", "Rush job"),
        ("customer", old_customer, str(other)),
        ("quantity", "3", "5"),
        ("due date", "2030-05-01", "2030-06-01"),
    ]
    assert [(line.key, line.status) for line in result.lines] == [
        (1, "changed"),
        (2, "removed"),
        (3, "added"),
    ]
    assert [(c.label, c.old, c.new) for c in result.lines[0].changes] == [
        ("unit price", "10.50", "11.00")
    ]
    assert result.lines[1].cells == (("part", "Glass"), ("quantity", "1"), ("unit price", "99.00"))
    assert result.lines[2].status_label == "added"
    assert result.key_label == "line"


def test_equal_amounts_written_differently_are_no_change() -> None:
    job = job_with_parts()
    before = snapshot(job)
    JobPart.objects.filter(job=job, position=1).update(unit_price=Decimal("10.5"))
    after = snapshot(job)
    after["lines"][0]["unit_price"] = "10.5"
    assert not diff(before, after, Job)


def test_the_record_as_it_is_now_compares_with_a_revision_without_storing_one() -> None:
    job = job_with_parts()
    original = freeze(job, by=job.requester)
    job.title = "A new title"
    job.save()
    result = diff(original.snapshot, snapshot(job), Job)
    assert result.changed_names == {"title"}
    assert job.revisions.count() == 1


def test_the_difference_renders_as_a_table_in_both_languages() -> None:
    job = job_with_parts()
    original = freeze(job, by=job.requester)
    job.quantity = 7
    job.save()
    JobPart.objects.create(job=job, position=3, name="Hinge", quantity=4, unit_price="2")
    result = diff(original.snapshot, snapshot(job), Job)
    with translation.override("en"):
        html = render_to_string(
            "workflows/partials/revision_diff.html",
            {"diff": result, "before": "Original", "after": "Rev A"},
        )
    assert "<del>3</del>" in html and "<ins>7</ins>" in html
    assert "added" in html and "<ins>Hinge</ins>" in html
    with translation.override("zh-hans"):
        html = render_to_string(
            "workflows/partials/revision_diff.html",
            {"diff": result, "before": "原版", "after": "A版"},
        )
    assert "字段" in html and "新增" in html


def test_no_difference_says_so(english: None) -> None:
    job = job_with_parts()
    original = freeze(job, by=job.requester)
    html = render_to_string(
        "workflows/partials/revision_diff.html",
        {"diff": diff(original.snapshot, snapshot(job), Job), "before": "Original"},
    )
    assert "No difference from Original." in html


def test_a_date_in_the_future_is_shown_as_the_pages_show_it() -> None:
    job = job_with_parts()
    job.due_date = in_days(3)
    assert snapshot(job)["fields"]["due_date"] == in_days(3).isoformat()


@pytest.mark.parametrize(
    ("attr", "value", "message"),
    [
        ("revision_fields", ("title", "nope"), "revision_fields"),
        (
            "revision_lines",
            RevisionLines("parts", key="position", fields=("nope",)),
            "['nope'] are not fields of JobPart",
        ),
        ("revision_lines", RevisionLines("nothing", key="position", fields=()), "no 'nothing'"),
        ("revision_model", "testflows.Nothing", "does not name an installed model"),
        ("revision_model", "testflows.JobPart", "is not a RevisionBase"),
    ],
)
def test_the_checks_name_a_broken_revision_declaration(
    attr: str, value: Any, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Job, attr, value)
    errors = [e for e in check_process_model(Job) if e.id == "workflows.E022"]
    assert len(errors) == 1 and message in errors[0].msg


def test_the_declared_revisions_pass_the_checks() -> None:
    assert not [e for e in check_process_model(Job) if e.id == "workflows.E022"]


def test_a_lines_nested_rows_are_kept_and_compared_as_one_field(monkeypatch) -> None:
    from tests.testflows.models import PartDelivery

    monkeypatch.setattr(
        Job,
        "revision_lines",
        RevisionLines(
            "parts",
            key="position",
            fields=("name", "quantity", "unit_price"),
            nested=(("deliveries", ("due_on", "quantity")),),
        ),
    )
    job = job_with_parts()
    frame = job.parts.get(position=1)
    PartDelivery.objects.create(part=frame, due_on=dt.date(2030, 4, 1), quantity=1)
    PartDelivery.objects.create(part=frame, due_on=dt.date(2030, 3, 1), quantity=1)
    before = snapshot(job)
    assert before["lines"][0]["deliveries"] == [["2030-03-01", 1], ["2030-04-01", 1]]
    assert before["lines"][1]["deliveries"] == []

    frame.deliveries.filter(due_on=dt.date(2030, 4, 1)).update(due_on=dt.date(2030, 4, 15))
    after = snapshot(job)
    with translation.override("en"):
        found = diff(before, after, Job)
    assert not found.fields
    [line] = found.lines
    assert (line.key, line.status) == (1, "changed")
    [change] = line.changes
    assert (change.name, change.label) == ("deliveries", "deliveries")
    assert change.old == "2030-03-01 × 1; 2030-04-01 × 1"
    assert change.new == "2030-03-01 × 1; 2030-04-15 × 1"
    # The same rows read in another order are no difference; a snapshot
    # frozen before the line held them is not compared.
    assert not diff(after, snapshot(job), Job)
    old = json.loads(json.dumps(before))
    for row in old["lines"]:
        del row["deliveries"]
    assert not diff(old, before, Job)
