from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_after_migrate(sender, app_config=None, verbosity=1, using="default", **kwargs):
    # post_migrate is sent once every migration has run; the permissions of
    # apps that come later in the signal's order are created here first.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    from .registry import sync_roles
    from .schedules import schedules_sync

    sync_roles()
    schedules_sync()


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Shared settings and records")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the declaration checks)
        from .registry import app_modules, bind_transitions

        bind_transitions()
        # Every app's Celery tasks are registered at start-up, so that the
        # outbox finds a task by its name in any process (web, worker, shell).
        list(app_modules("tasks"))
        post_migrate.connect(_sync_after_migrate, sender=self, dispatch_uid="workflows_sync_roles")
