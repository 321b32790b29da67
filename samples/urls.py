from workflows.routing import process_urls

from .models import Board, SampleOrder

app_name = "samples"

urlpatterns = process_urls(SampleOrder, Board)
