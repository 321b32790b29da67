from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Customer complaints")
    # The name of its drop-down in the menu.
    menu_label = pgettext_lazy("menu", "Complaints")
    # Granted once on migrate (workflows.registry.sync_roles): the marketing
    # manager keeps the defect categories, the severity clocks and the
    # satisfaction survey's questions in the admin, and corrects whom a survey
    # asks; sales and their assistants enter answers taken by phone or on paper.
    role_grants = {
        "marketing_manager": (
            *(
                f"complaints.{action}_{model}"
                for model in ("defectcategory", "severityclock", "surveyquestion")
                for action in ("view", "add", "change", "delete")
            ),
            "complaints.view_surveyinvitation",
            "complaints.change_surveyinvitation",
            "complaints.view_campaignquestion",
            "complaints.add_surveyanswer",
        ),
        "sales": ("complaints.add_surveyanswer",),
        "sales_assistant": ("complaints.add_surveyanswer",),
    }
