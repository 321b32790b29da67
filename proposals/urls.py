from django.urls import path

from workflows.routing import workflow_urls

from . import views

app_name = "proposals"

urlpatterns = [
    *workflow_urls(
        "proposal",
        list_view=views.ProposalListView,
        detail_view=views.ProposalDetailView,
        create_view=views.ProposalCreateView,
    ),
    path("<int:pk>/reports/<int:revision>/", views.report_view, name="report"),
    path("<int:pk>/reports/<int:revision>/edit/", views.report_edit, name="report_edit"),
]
