from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "research"
    verbose_name = _("Market research")
    # The research supervisor keeps the districts and their researchers.
    role_grants = {
        "research_supervisor": tuple(
            f"research.{action}_district" for action in ("view", "add", "change", "delete")
        ),
    }
