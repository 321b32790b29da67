"""Revisions of a document a process writes in its steps (a research report):
each revision is a row, frozen once submitted, read but never changed."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentRevision(models.Model):
    """Base of a document's revisions. A subclass names the foreign key to
    its process record in ``record_field`` and adds the document's content;
    ``workflows.services`` numbers, submits (freezes) and approves them."""

    record_field: ClassVar[str] = ""

    revision = models.PositiveIntegerField(_("revision"), editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def frozen(self) -> bool:
        """Submitted: the revision is read, never changed."""
        return self.submitted_at is not None
