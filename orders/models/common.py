"""The customers every process refers to, their payment terms, the major-order
threshold, and what orders, notices and invoices share: who reads them and
how money is rounded.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    Roles,
)
from workflows.roles import MANAGER_ROLES

# Who reads orders, their shipping notices and invoices (money): a salesperson
# their own; the order followers, finance, the departments that review, plan,
# make and store every order, and the managers all of them; anyone else while
# a step or review of theirs waits on the record (README, "Security").
ORDER_READERS = (
    Owner()
    | Roles(
        "sales_assistant",
        "finance",
        "tech",
        "pmc",
        "qa",
        "production",
        "warehouse",
        *MANAGER_ROLES,
    )
    | CurrentStep()
    | Escalated()
)

CENT = Decimal("0.01")
# A shipping notice's states between drafting and shipping.
NOTICE_IN_PROGRESS = ("draft", "finance_review", "approved")
# The largest amount a line, an order or a credit limit may reach (10¹² − 0.01).
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("999999999.99")
MAX_PRICE = Decimal("9999999999.99")


def money(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent (0.005 → 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class PaymentTerms(models.Model):
    """Deposit percentage and/or days after the invoice: a customer's default
    terms, and each order's own."""

    deposit_percent = models.DecimalField(
        _("deposit (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payment days after invoice"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
    )

    class Meta:
        abstract = True

    def payment_terms_text(self) -> str:
        """The terms in a line: "30% deposit, 60 days after invoice"."""
        parts = []
        if self.deposit_percent is not None:
            parts.append(
                gettext("%(p)s%% deposit") % {"p": f"{self.deposit_percent.normalize():f}"}
            )
        if self.payment_days is not None:
            parts.append(gettext("%(d)s days after invoice") % {"d": self.payment_days})
        return gettext(", ").join(parts)


class Customer(PaymentTerms):
    """A customer of the company, shared by samples, orders and complaints."""

    code = models.CharField(_("customer code"), max_length=30, unique=True)
    name = models.CharField(_("customer name"), max_length=200)
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=40, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
        help_text=_("In CNY; 0: no credit, every shipment needs finance's approval."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        # "华南电器有限公司（C001）" in Chinese, "Huanan Appliances (HN)" in English.
        return gettext("%(name)s (%(code)s)") % {"name": self.name, "code": self.code}


class CustomerContact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class MajorOrderThreshold(models.Model):
    """Above this total (in its currency) an order is major: leadership (the
    general manager) approves the contract after the marketing manager."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
    )

    class Meta:
        verbose_name = _("major order threshold")
        verbose_name_plural = _("major order thresholds")
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.2f}"
