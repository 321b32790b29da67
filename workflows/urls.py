from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("diagram/<str:app_label>/<str:model_name>.svg", views.diagram_view, name="diagram"),
]
