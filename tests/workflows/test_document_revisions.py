"""A document's revisions (``workflows.models.DocumentRevision``): numbered one after
another, carried over, frozen on submit and never changed again, the last
submitted one approved."""

from __future__ import annotations

import pytest

from tests.testflows.kit import JobFactory
from tests.testflows.models import JobNote
from workflows.services import (
    revision_approve,
    revision_draft,
    revision_freeze,
    revision_next,
    revision_submit,
)

pytestmark = pytest.mark.django_db


def test_a_new_revision_follows_the_last_and_carries_its_content_over():
    job = JobFactory()
    first, latest = revision_next(job, JobNote, copy=("text",))
    assert (first.revision, latest) == (1, None)
    first.text = "Measured twice."
    first.save()

    second, latest = revision_next(job, JobNote, copy=("text",))

    assert (second.revision, second.text, latest) == (2, "Measured twice.", first)
    assert second.pk is None  # the caller saves it


def test_submitting_freezes_the_draft_once(role_user):
    job = JobFactory()
    draft, _ = revision_next(job, JobNote)
    draft.save()
    user, other = role_user("pmc"), role_user("qa")

    frozen = revision_freeze(record=job, model=JobNote, user=user)
    again = revision_freeze(record=job, model=JobNote, user=other)

    stored = JobNote.objects.get(pk=draft.pk)
    assert frozen.pk == draft.pk and again is None
    assert stored.frozen and stored.submitted_by == user
    assert revision_draft(job, JobNote) is None


def test_a_document_written_in_step_fields_is_kept_frozen_and_the_last_approved(role_user):
    job = JobFactory()
    writer, approver = role_user("pmc"), role_user("qa")

    one = revision_submit(record=job, model=JobNote, user=writer, values={"text": "v1"})
    two = revision_submit(record=job, model=JobNote, user=writer, values={"text": "v2"})
    draft, _ = revision_next(job, JobNote)
    draft.save()  # a third being written is not what was read
    approved = revision_approve(record=job, model=JobNote, user=approver)

    rows = {n.revision: n for n in JobNote.objects.filter(job=job)}
    assert [(r, rows[r].text, rows[r].frozen) for r in sorted(rows)] == [
        (1, "v1", True),
        (2, "v2", True),
        (3, "", False),
    ]
    assert approved.pk == two.pk and rows[2].approved_by == approver
    assert rows[1].approved_at is None and rows[3].approved_at is None
    assert one.submitted_by == writer
