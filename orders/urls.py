from django.urls import path

from workflows.routing import workflow_urls
from workflows.views import (
    WorkflowCreateView,
    WorkflowDetailView,
    WorkflowListView,
    WorkflowPrintView,
)

from .change_views import ChangeCreateView, ChangePrintView
from .drawing_views import SupplyCreateView, SupplyPrintView
from .models import (
    ContractChange,
    CustomerReturn,
    CustomerSupply,
    Invoice,
    Order,
    Quotation,
    ShippingNotice,
)
from .quotation_views import QuotationCostView, QuotationEditView, QuotationPrintView
from .return_views import ReturnCreateView, ReturnPrintView
from .views import (
    CustomerDetailView,
    CustomerFormView,
    CustomerListView,
    DeliveryNotePrintView,
    InvoiceCreateView,
    NoticeCreateView,
    NoticePrintView,
    OrderCreateView,
    OrderEditView,
    OrderPrintView,
    ReceivablesView,
)

app_name = "orders"

urlpatterns = [
    *workflow_urls(
        "order",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=OrderCreateView,
        print_view=OrderPrintView,
        initkwargs={"model": Order},
    ),
    *workflow_urls(
        "shippingnotice",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=NoticeCreateView,
        print_view=NoticePrintView,
        prefix="notices/",
        initkwargs={"model": ShippingNotice},
    ),
    path(
        "notices/<int:pk>/print/delivery-note/",
        DeliveryNotePrintView.as_view(model=ShippingNotice),
        name="shippingnotice_print_delivery_note",
    ),
    *workflow_urls(
        "invoice",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=InvoiceCreateView,
        print_view=WorkflowPrintView,
        prefix="invoices/",
        initkwargs={"model": Invoice},
    ),
    *workflow_urls(
        "quotation",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=WorkflowCreateView,
        print_view=QuotationPrintView,
        prefix="quotations/",
        initkwargs={"model": Quotation},
    ),
    path("quotations/<int:pk>/edit/", QuotationEditView.as_view(), name="quotation_edit"),
    path("quotations/<int:pk>/costs/", QuotationCostView.as_view(), name="quotation_costs"),
    *workflow_urls(
        "customerreturn",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=ReturnCreateView,
        print_view=ReturnPrintView,
        prefix="returns/",
        initkwargs={"model": CustomerReturn},
    ),
    *workflow_urls(
        "contractchange",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=ChangeCreateView,
        print_view=ChangePrintView,
        prefix="changes/",
        initkwargs={"model": ContractChange},
    ),
    *workflow_urls(
        "customersupply",
        list_view=WorkflowListView,
        detail_view=WorkflowDetailView,
        create_view=SupplyCreateView,
        print_view=SupplyPrintView,
        prefix="supplies/",
        initkwargs={"model": CustomerSupply},
    ),
    path(
        "supplies/<int:pk>/print/inspection/",
        SupplyPrintView.as_view(model=CustomerSupply, document="inspection"),
        name="customersupply_print_inspection",
    ),
    path("receivables/", ReceivablesView.as_view(), name="receivables"),
    path("<int:pk>/edit/", OrderEditView.as_view(), name="order_edit"),
    path(
        "<int:pk>/print/internal-order/",
        OrderPrintView.as_view(model=Order, document="internal"),
        name="order_print_internal",
    ),
    path(
        "<int:pk>/print/work-order/",
        OrderPrintView.as_view(model=Order, document="work_order"),
        name="order_print_work_order",
    ),
    path("customers/", CustomerListView.as_view(), name="customer_list"),
    path("customers/new/", CustomerFormView.as_view(), name="customer_create"),
    path("customers/<int:pk>/", CustomerDetailView.as_view(), name="customer_detail"),
    path("customers/<int:pk>/edit/", CustomerFormView.as_view(), name="customer_edit"),
]
