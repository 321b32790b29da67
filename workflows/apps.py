from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_after_migrate(sender, app_config=None, verbosity=1, using="default", **kwargs):
    # Runs once, after the last app has migrated and its permissions exist.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    last = list(apps.get_app_configs())[-1]
    if sender is not last:
        return
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    from .registry import sync_roles

    sync_roles()


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflow engine")

    def ready(self) -> None:
        from .registry import bind_permissions

        bind_permissions()
        post_migrate.connect(_sync_after_migrate, dispatch_uid="workflows_sync_roles")
