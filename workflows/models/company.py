"""The company as its printouts name it: kept in the admin, with defaults from settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..uploads import ImageUploadValidator


class CompanyProfile(models.Model):
    """One row at most (pk 1): the name in both languages, the address and the
    logo every printout shows. Without a row, ``settings.COMPANY`` gives them."""

    name_zh = models.CharField(_("company name (Chinese)"), max_length=200)
    name_en = models.CharField(_("company name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to="company/",
        max_length=200,
        blank=True,
        validators=[ImageUploadValidator()],
        help_text=_("An image: PNG, JPEG, GIF or WEBP."),
    )

    class Meta:
        verbose_name = _("company details")
        verbose_name_plural = _("company details")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # a singleton: saving always writes the one row
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> CompanyProfile:
        """The row kept in the admin, or an unsaved one from ``settings.COMPANY``."""
        found = cls.objects.filter(pk=1).first()
        if found is not None:
            return found
        defaults = getattr(settings, "COMPANY", {})
        return cls(
            name_zh=defaults.get("name_zh", ""),
            name_en=defaults.get("name_en", ""),
            address=defaults.get("address", ""),
            phone=defaults.get("phone", ""),
        )

    @property
    def name(self) -> str:
        """The name in the reader's language (the Chinese one when no English one is kept)."""
        if (get_language() or "").startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh

    @property
    def logo_url(self) -> str:
        """Where a page shows the logo: the kept image through the application,
        else the default from ``settings.COMPANY["logo"]`` (a static file), else none."""
        if self.pk and self.logo:
            return reverse("workflows:company_logo")
        default = getattr(settings, "COMPANY", {}).get("logo", "")
        return static(default) if default else ""
