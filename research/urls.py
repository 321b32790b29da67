from django.urls import path

from workflows.routing import process_urls

from . import views
from .models import ResearchPlan, ResearchTask

app_name = "research"

urlpatterns = [
    *process_urls(ResearchPlan, ResearchTask),
    path("<int:pk>/report/<int:revision>/", views.report_print, name="report_print"),
]

# Property surveys (楼盘调研): developments and their survey forms.
from .models_property import Development, PropertySurvey  # noqa: E402

urlpatterns += process_urls(Development, PropertySurvey)

# Monthly sales plans (《销售计划表》): each plan's pages, and the month's consolidation;
# promotion plans (《市场推广计划指导书》).
from . import plan_views  # noqa: E402
from .models_plans import PromotionPlan, SalesPlan  # noqa: E402

urlpatterns += [
    *process_urls(SalesPlan, PromotionPlan),
    path("sales-plans/months/", plan_views.sales_plan_months, name="salesplan_months"),
    path(
        "sales-plans/month/<int:year>-<int:month>/",
        plan_views.sales_plan_month,
        name="salesplan_month",
    ),
    path(
        "sales-plans/month/<int:year>-<int:month>/print/",
        plan_views.sales_plan_month_print,
        name="salesplan_month_print",
    ),
]
