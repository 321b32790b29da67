from django.core.management.base import BaseCommand

from workflows.registry import sync_roles


class Command(BaseCommand):
    help = "Create the role groups and transition permissions declared by the processes."

    def handle(self, *args, **options) -> None:
        sync_roles(verbosity=options["verbosity"])
