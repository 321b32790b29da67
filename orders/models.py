from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A customer of the company, shared by samples, orders and complaints."""

    code = models.CharField(_("customer code"), max_length=30, unique=True)
    name = models.CharField(_("customer name"), max_length=200)
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
