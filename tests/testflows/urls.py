from workflows.routing import workflow_urls

from . import views

app_name = "testflows"

urlpatterns = [
    *workflow_urls(
        "job",
        list_view=views.JobListView,
        detail_view=views.JobDetailView,
        create_view=views.JobCreateView,
        print_view=views.JobPrintView,
        prefix="jobs/",
    ),
    *workflow_urls(
        "review",
        list_view=views.ReviewListView,
        detail_view=views.ReviewDetailView,
        create_view=views.ReviewCreateView,
        print_view=views.ReviewPrintView,
        prefix="reviews/",
    ),
]
