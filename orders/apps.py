from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders and customers")
    # The name of its drop-down in the menu.
    menu_label = pgettext_lazy("menu", "Orders")
    # Granted once on migrate (workflows.registry.sync_roles): the marketing
    # manager keeps the customers in the admin.
    role_grants = {
        "marketing_manager": tuple(
            f"orders.{action}_customer" for action in ("view", "add", "change", "delete")
        ),
    }
