from django.urls import path

from workflows.routing import process_urls

from . import views
from .models import Proposal

app_name = "proposals"

urlpatterns = [
    *process_urls(Proposal),
    path("<int:pk>/reports/<int:revision>/", views.report_view, name="report"),
    path("<int:pk>/reports/<int:revision>/edit/", views.report_edit, name="report_edit"),
]
