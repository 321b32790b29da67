from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Customer complaints")
    # Granted once on migrate (workflows.registry.sync_roles): the marketing
    # manager keeps the defect categories and the severity clocks in the admin.
    role_grants = {
        "marketing_manager": tuple(
            f"complaints.{action}_{model}"
            for model in ("defectcategory", "severityclock")
            for action in ("view", "add", "change", "delete")
        ),
    }
