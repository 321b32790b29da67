"""Demo users (one per role) and each process's demo records; safe to run twice."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from workflows.models import EscalationRule
from workflows.registry import app_modules, sync_roles
from workflows.roles import ROLES

# The password the README prints, refused under the production settings.
DEFAULT_DEMO_PASSWORD = "marketing2026"

# Full names as Chinese staff write them (family name first) go in first_name,
# so that get_full_name() shows them unchanged.
DEMO_NAMES = {
    "marketing_manager": "王建国",
    "product_marketing_manager": "李明",
    "sales": "张伟",
    "sales_assistant": "陈静",
    "sample_room": "刘洋",
    "pmc": "杨帆",
    "qa": "赵敏",
    "warehouse": "黄强",
    "finance": "周丽",
    "ops": "钱进",
    "gm": "吴海",
    "ka_dept_manager": "孙磊",
    "tech_director": "郑涛",
    "division_gm": "冯刚",
    "ka_manager": "钱坤",
    "bd": "何佳",
    "researcher": "林晓",
    "research_supervisor": "马超",
    "strategy": "许诺",
    "creative": "唐悦",
}

# Whose manager hears of a role's overdue steps (two days past the deadline).
DEMO_ESCALATION = {
    "marketing_manager": ("sales", "sales_assistant", "bd", "strategy", "creative", "info_manager"),
    "research_supervisor": ("researcher",),
    "ka_dept_manager": ("ka_manager",),
    "tech_director": ("tech", "sample_room", "pmc", "production", "qa", "warehouse"),
    "gm": ("marketing_manager", "product_marketing_manager", "finance", "ops"),
}


class Command(BaseCommand):
    help = "Load demo users (username = role code) and demo records of every process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run under the production settings too (a trial installation). The demo "
            "users then need DEMO_PASSWORD set, and no superuser is made: use "
            "createsuperuser.",
        )

    def handle(self, *args, **options) -> None:
        production = settings.PRODUCTION
        if production and not options["allow_production"]:
            raise CommandError(
                "seed_demo makes users with one shared password: it does not run under the "
                "production settings. For a trial installation, pass --allow-production "
                "(and set DEMO_PASSWORD); make the administrator with createsuperuser."
            )
        password = settings.DEMO_PASSWORD
        if production and password == DEFAULT_DEMO_PASSWORD:
            raise CommandError(
                "Under the production settings the demo users need a password of your own: "
                "set DEMO_PASSWORD (the default one is printed in the README)."
            )
        sync_roles()
        users = {}
        User = get_user_model()
        with transaction.atomic():
            for role in ROLES:
                user, created = User.objects.get_or_create(
                    username=role.code,
                    defaults={
                        "first_name": DEMO_NAMES.get(role.code, ""),
                        "email": f"{role.code}@example.com",
                        "is_staff": role.manager,
                    },
                )
                if created:
                    user.set_password(password)
                    user.save()
                    user.groups.add(Group.objects.get(name=role.code))
                users[role.code] = user
            if not production:
                admin, created = User.objects.get_or_create(
                    username="admin",
                    defaults={
                        "is_staff": True,
                        "is_superuser": True,
                        "email": "admin@example.com",
                    },
                )
                if created:
                    admin.set_password(password)
                    admin.save()
                users["admin"] = admin
            for manager, roles in DEMO_ESCALATION.items():
                for role in roles:
                    EscalationRule.objects.get_or_create(
                        role=role, defaults={"manager": users[manager]}
                    )
        if production:
            self.stdout.write(
                "No superuser under the production settings: make one with "
                "`manage.py createsuperuser`."
            )
        loaded = []
        for config, demo in app_modules("demo"):
            if demo.load(users):
                loaded.append(config.label)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo users: {', '.join(sorted(users))}\n"
                f"Demo password for all of them: {password}\n"
                f"Demo records loaded for: {', '.join(loaded) or 'none (already there)'}"
            )
        )
