from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestflowsConfig(AppConfig):
    name = "tests.testflows"
    label = "testflows"
    verbose_name = _("Test processes")
