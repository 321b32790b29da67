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
