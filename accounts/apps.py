from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Logging in, out, the lockout after repeated failures, password change and reset."""

    name = "accounts"
    verbose_name = _("Accounts")
