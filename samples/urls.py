from django.urls import path

from workflows.routing import workflow_urls

from . import views

app_name = "samples"

urlpatterns = [
    *workflow_urls(
        "sampleorder",
        list_view=views.SampleOrderListView,
        detail_view=views.SampleOrderDetailView,
        create_view=views.SampleOrderCreateView,
    ),
    path("<int:pk>/print/", views.sampleorder_print, name="sampleorder_print"),
    *workflow_urls(
        "board",
        list_view=views.BoardListView,
        detail_view=views.BoardDetailView,
        create_view=views.BoardCreateView,
        prefix="boards/",
    ),
]
