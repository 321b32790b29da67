from workflows.routing import process_urls

from .models import Job, Review

app_name = "testflows"

urlpatterns = process_urls(Job, Review)
