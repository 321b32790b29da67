"""The sales plans in the admin: the engine's process admin."""

from workflows.admin import register_process

from .models_plans import PromotionPlan, SalesPlan

register_process(SalesPlan, PromotionPlan)
