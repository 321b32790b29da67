"""What a user keeps of a process's list: filters saved under a name."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A list's query string (search, filters, sort) that a user named, for
    one process's list; each user names each list's filters once."""

    NAME_MAX = 60

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("list"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "name"], name="saved_filter_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
