from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SamplesConfig(AppConfig):
    name = "samples"
    verbose_name = _("Sample production")
    # The name of its drop-down in the menu.
    menu_label = pgettext_lazy("menu", "Samples")
