from django.urls import path

from workflows.routing import process_urls, workflow_urls
from workflows.views import WorkflowCreateView, WorkflowDetailView, WorkflowListView

from . import survey_views
from .models import Complaint, ComplaintAction, ImprovementAction, SurveyCampaign
from .views import ComplaintPrintView

app_name = "complaints"

urlpatterns = [
    *workflow_urls(
        "complaint",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=WorkflowCreateView,
        print_view=ComplaintPrintView,
        initkwargs={"model": Complaint},
    ),
    *process_urls(ComplaintAction),
    path("surveys/reports/", survey_views.published_reports, name="survey_reports"),
    path("surveys/forms/", survey_views.survey_forms, name="survey_forms"),
    *process_urls(SurveyCampaign, ImprovementAction),
    path(
        "surveys/<int:pk>/report/<int:revision>/",
        survey_views.report_print,
        name="survey_report_print",
    ),
    path(
        "surveys/<int:pk>/answer/<int:invitation>/",
        survey_views.survey_enter,
        name="survey_enter",
    ),
    # The customer's private link: no account, nothing else reachable.
    path("s/<str:token>/", survey_views.survey_answer, name="survey_answer"),
]
