"""Demo users (one per role) and each process's demo records; safe to run twice."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from workflows.registry import sync_roles
from workflows.roles import ROLES

DEMO_NAMES = {
    "marketing_manager": ("王", "经理"),
    "product_marketing_manager": ("李", "部长"),
    "sales": ("张", "业务"),
    "sales_assistant": ("陈", "跟单"),
    "sample_room": ("刘", "样版"),
    "pmc": ("杨", "PMC"),
    "qa": ("赵", "品质"),
    "warehouse": ("黄", "仓管"),
    "finance": ("周", "会计"),
    "gm": ("吴", "总"),
}


class Command(BaseCommand):
    help = "Load demo users (username = role code) and demo records of every process."

    def handle(self, *args, **options) -> None:
        sync_roles()
        password = settings.DEMO_PASSWORD
        users = {}
        User = get_user_model()
        with transaction.atomic():
            for role in ROLES:
                last, first = DEMO_NAMES.get(role.code, ("", str(role.label)))
                user, created = User.objects.get_or_create(
                    username=role.code,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "email": f"{role.code}@example.com",
                        "is_staff": role.manager,
                    },
                )
                if created:
                    user.set_password(password)
                    user.save()
                    user.groups.add(Group.objects.get(name=role.code))
                users[role.code] = user
            admin, created = User.objects.get_or_create(
                username="admin",
                defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
            )
            if created:
                admin.set_password(password)
                admin.save()
            users["admin"] = admin
        loaded = []
        for config in apps.get_app_configs():
            try:
                demo = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            if demo.load(users):
                loaded.append(config.label)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo users: {', '.join(sorted(users))}\n"
                f"Demo password for all of them: {password}\n"
                f"Demo records loaded for: {', '.join(loaded) or 'none (already there)'}"
            )
        )
