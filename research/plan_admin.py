"""The sales plans in the admin: the engine's process admin."""

from workflows.admin import register_process

from .models_plans import SalesPlan

register_process(SalesPlan)
