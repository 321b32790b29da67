"""The department roles of PROCESSES.md. Each is a Django group named by its code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    label: str | Promise
    manager: bool = False  # managers also work in the Django admin


ROLES: tuple[Role, ...] = (
    Role("marketing_manager", _("Marketing manager"), manager=True),
    Role("product_marketing_manager", _("Product-marketing manager"), manager=True),
    Role("bd", _("Business development")),
    Role("researcher", _("Field researcher")),
    Role("research_supervisor", _("Research supervisor"), manager=True),
    Role("info_manager", _("Information manager")),
    Role("sales", _("Salesperson")),
    Role("sales_assistant", _("Sales assistant")),
    Role("ka_manager", _("Key-account manager")),
    Role("ka_dept_manager", _("Key-account department manager"), manager=True),
    Role("division_gm", _("Division general manager"), manager=True),
    Role("gm", _("General manager"), manager=True),
    Role("tech_director", _("Technical director"), manager=True),
    Role("tech", _("Technical department")),
    Role("ops", _("Operations department")),
    Role("strategy", _("Strategy department")),
    Role("creative", _("Creative design department")),
    Role("sample_room", _("Sample room")),
    Role("pmc", _("Production material control (PMC)")),
    Role("production", _("Production department")),
    Role("qa", _("Quality department")),
    Role("warehouse", _("Warehouse")),
    Role("finance", _("Finance")),
)

ROLE_BY_CODE: dict[str, Role] = {role.code: role for role in ROLES}
# The managers and leadership (granted the view right on every process).
MANAGER_ROLES: tuple[str, ...] = tuple(role.code for role in ROLES if role.manager)
ROLE_CHOICES: list[tuple[str, str | Promise]] = [(r.code, r.label) for r in ROLES]


def role_label(code: str) -> str | Promise:
    role = ROLE_BY_CODE.get(code)
    return role.label if role else code


def check_roles(codes: tuple[str, ...] | list[str], where: str) -> None:
    unknown = [c for c in codes if c not in ROLE_BY_CODE]
    if unknown:
        raise ValueError(f"{where}: unknown role(s) {unknown}; see workflows/roles.py")


def user_label(user: Any) -> str:
    """A user as every picker shows them: the full name, with the username as a
    hint ("王芳（sales）"); the username alone when there is no full name."""
    username = user.get_username()
    name = user.get_full_name().strip()
    if not name or name == username:
        return username
    return gettext("%(name)s (%(username)s)") % {"name": name, "username": username}


def role_members(code: str, *, active_only: bool = True) -> QuerySet:
    """The users holding a role, for pickers (a salesperson, a business developer)."""
    users = get_user_model().objects.filter(groups__name=code)
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("username")
