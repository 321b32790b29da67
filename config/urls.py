from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("workflows.urls")),
    path("samples/", include("samples.urls")),
    path("proposals/", include("proposals.urls")),
    path("orders/", include("orders.urls")),
    path("research/", include("research.urls")),
    path("complaints/", include("complaints.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

handler400 = "workflows.security.bad_request"
handler403 = "workflows.views.permission_denied"
handler404 = "workflows.views.page_not_found"
# Renders its page without the request's context: nothing on it may touch the
# database, which may be what failed.
handler500 = "workflows.security.server_error"
