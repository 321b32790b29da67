"""Files a record page links to: its attachments and its process's diagram."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from ..diagram import process_svg
from ..models import Attachment, CompanyProfile
from ..registry import process_model
from ..rights import readable
from ..security import attachment_inline
from ..uploads import IMAGE_TYPES, detect_content_type


def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    model = process_model(attachment.content_type.app_label, attachment.content_type.model)
    if model is None:
        raise PermissionDenied(_("You have no role in this process."))
    # Read like the record's own page: a file of a record one may not read is refused.
    if (
        not readable(request.user, model, attachment.object_id)
        .filter(pk=attachment.object_id)
        .exists()
    ):
        raise PermissionDenied(_("You have no role in this process."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(
        handle,
        as_attachment=not attachment_inline(attachment.mime_type),
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )


def diagram_view(request: HttpRequest, app_label: str, model_name: str) -> HttpResponse:
    model = process_model(app_label, model_name)
    if model is None:
        raise Http404
    return HttpResponse(process_svg(model), content_type="image/svg+xml")


def company_logo(request: HttpRequest) -> HttpResponse:
    """The logo kept in the admin, served only while its content is an image."""
    company = CompanyProfile.objects.filter(pk=1).first()
    if company is None or not company.logo:
        raise Http404(_("No logo is kept."))
    try:
        handle = company.logo.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    content_type = detect_content_type(handle)
    handle.seek(0)
    if content_type not in IMAGE_TYPES:
        handle.close()
        raise Http404(_("No logo is kept."))
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
