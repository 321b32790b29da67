from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ResearchConfig(AppConfig):
    name = "research"
    verbose_name = _("Market research")
    # The name of its drop-down in the menu.
    menu_label = pgettext_lazy("menu", "Research")
    # The research supervisor keeps the districts and their researchers.
    role_grants = {
        "research_supervisor": tuple(
            f"research.{action}_district" for action in ("view", "add", "change", "delete")
        ),
    }
