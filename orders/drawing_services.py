"""Effects of the steps of customer-supplied drawings and products: an item
registered, drawings acknowledged by technical, products inspected and
stored by QA, a drawing superseded by its new version."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from workflows.services import attachment_add

from .models import CustomerSupply, SuppliedItem


def item_register(*, record: CustomerSupply, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Effect of "Register a drawing or product": the item, its file stored
    as the record's attachment (read and downloaded under the record's rules)."""
    upload = data.get("file")
    attachment = attachment_add(record=record, user=user, upload=upload) if upload else None
    SuppliedItem.objects.create(
        supply=record,
        kind=data["kind"],
        number=data["number"].strip(),
        title=data["title"].strip(),
        version=(data.get("version") or "").strip(),
        quantity=data["quantity"],
        confidentiality=data["confidentiality"],
        attachment=attachment,
        registered_by=user,
        registered_at=timezone.now(),
    )


def drawings_acknowledge(
    *, record: CustomerSupply, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Effect of "Acknowledge the drawings": every drawing waiting is received
    by technical (the handover record's signature)."""
    record.items.filter(SuppliedItem.PENDING_DRAWING).update(
        acknowledged_by=user, acknowledged_at=timezone.now()
    )


def products_inspect(
    *, record: CustomerSupply, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Effect of "Inspect and store the products": every product waiting is
    inspected and stored (the inspection-and-storage notice)."""
    record.items.filter(SuppliedItem.PENDING_PRODUCT).update(
        inspected_by=user,
        inspected_at=timezone.now(),
        inspection_result=data["inspection_result"],
        storage_location=data["storage_location"],
    )


def drawing_supersede(
    *, record: CustomerSupply, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Effect of "Register a new drawing version": the new version, which
    technical must acknowledge, supersedes the old one."""
    old: SuppliedItem = SuppliedItem.objects.select_for_update().get(
        pk=data["drawing"].pk, supply=record
    )
    upload = data.get("file")
    attachment = attachment_add(record=record, user=user, upload=upload) if upload else None
    new = SuppliedItem.objects.create(
        supply=record,
        kind=SuppliedItem.Kind.DRAWING,
        number=old.number,
        title=old.title,
        version=data["version"].strip(),
        quantity=old.quantity,
        confidentiality=old.confidentiality,
        attachment=attachment,
        registered_by=user,
        registered_at=timezone.now(),
    )
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
