"""The pages every process gets, generated from its declarations: the record
page with its actions, the list, the creation form (``records``), the inbox,
notifications, attachments and the diagram, and the error pages."""

from .errors import page_not_found, permission_denied
from .files import attachment_download, company_logo, diagram_view
from .inbox import inbox_view
from .records import WorkflowCreateView, WorkflowDetailView, WorkflowListView, WorkflowPrintView

__all__ = [
    "WorkflowCreateView",
    "WorkflowDetailView",
    "WorkflowListView",
    "WorkflowPrintView",
    "attachment_download",
    "company_logo",
    "diagram_view",
    "inbox_view",
    "page_not_found",
    "permission_denied",
]
