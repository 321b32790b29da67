from workflows.routing import process_urls

from .models import Complaint, ComplaintAction

app_name = "complaints"

urlpatterns = process_urls(Complaint, ComplaintAction)
