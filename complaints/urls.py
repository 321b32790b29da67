from workflows.routing import process_urls, workflow_urls
from workflows.views import WorkflowCreateView, WorkflowDetailView, WorkflowListView

from .models import Complaint, ComplaintAction
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
]
