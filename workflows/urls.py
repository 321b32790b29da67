from django.urls import path

from . import views
from .views import notifications as notification_views

app_name = "workflows"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("notifications/", notification_views.notifications_view, name="notifications"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    path("notifications/latest/", notification_views.notifications_menu, name="notifications_menu"),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/settings/",
        notification_views.notification_settings_view,
        name="notification_settings",
    ),
    path("company/logo/", views.company_logo, name="company_logo"),
    path("diagram/<str:app_label>/<str:model_name>.svg", views.diagram_view, name="diagram"),
]
