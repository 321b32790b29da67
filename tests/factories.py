"""factory_boy factories shared by every process's kit: users, customers, the
base of a process record's factory, and small real files. A process's own
factories are in its kit (``tests/<app>/kit.py``).

Users get an unusable password (no hashing: the matrix creates hundreds of
them); tests log them in with ``Client.force_login``.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from orders.models import Customer
from workflows.models import NotificationPreference, WorkflowModel
from workflows.services import record_start


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


# --- Users and master data --------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(roles=["qa", "sales"])`` puts the user in those role groups."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    first_name = factory.Sequence(lambda n: f"Tester{n:04d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(lambda: make_password(None))
    is_active = True

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or not extracted:
            return
        wanted = set(extracted)
        groups = list(Group.objects.filter(name__in=wanted))
        missing = wanted - {g.name for g in groups}
        if missing:
            raise LookupError(f"role groups missing (was sync_roles run?): {sorted(missing)}")
        self.groups.add(*groups)


class CustomerFactory(factory.django.DjangoModelFactory):
    """The customer master data (orders) that several processes refer to."""

    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n:05d} Ltd.")
    contact = "Ms. Lin"
    active = True


class RecordFactory(factory.django.DjangoModelFactory):
    """Base of a process record's factory: saves through ``record_start`` (a
    reference, a creator, step_seq 1 and the "create" audit entry), as the
    record pages do.

    ``state=`` builds the record directly in another state (the protected
    field accepts its first value in the constructor); ``due=`` is the
    deadline rule of the first step.
    """

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type[WorkflowModel], *args: Any, **kwargs: Any) -> Any:
        due = kwargs.pop("due", None)
        record = model_class(*args, **kwargs)
        return record_start(record=record, user=record.created_by, due=due)


# --- Small real files ------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG, built byte by byte."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x80\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def hears_every_step(user: Any, *models: Any) -> None:
    """``user`` chose to hear of every step of their records of ``models``
    (by default, only of the steps waiting for them and of the outcome)."""
    for model in models:
        NotificationPreference.objects.update_or_create(
            user=user,
            content_type=ContentType.objects.get_for_model(model),
            defaults={"level": NotificationPreference.Level.ALL},
        )
