"""The samples' and proposals' pages as their declarations give them: every
URL name and path kept, the sample's own printout, and the admin's columns
and filters."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import resolve, reverse

from proposals.models import Proposal
from samples.models import Board, SampleOrder
from tests.samples.kit import SampleOrderFactory
from workflows.admin import UserListFilter, WorkflowAdmin
from workflows.views import WorkflowCreateView, WorkflowDetailView, WorkflowListView
from workflows.views.records import WorkflowPrintView

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "view"),
    [
        ("samples:sampleorder_list", {}, "/samples/", WorkflowListView),
        ("samples:sampleorder_create", {}, "/samples/new/", WorkflowCreateView),
        ("samples:sampleorder_detail", {"pk": 7}, "/samples/7/", WorkflowDetailView),
        ("samples:sampleorder_print", {"pk": 7}, "/samples/7/print/", WorkflowPrintView),
        ("samples:sampleorder_sign", {"pk": 7}, "/samples/7/sign/", WorkflowDetailView),
        ("samples:sampleorder_attach", {"pk": 7}, "/samples/7/attach/", WorkflowDetailView),
        (
            "samples:sampleorder_step",
            {"pk": 7, "name": "outsource"},
            "/samples/7/step/outsource/",
            WorkflowDetailView,
        ),
        ("samples:board_list", {}, "/samples/boards/", WorkflowListView),
        ("samples:board_create", {}, "/samples/boards/new/", WorkflowCreateView),
        ("samples:board_detail", {"pk": 7}, "/samples/boards/7/", WorkflowDetailView),
        ("samples:board_print", {"pk": 7}, "/samples/boards/7/print/", WorkflowPrintView),
        ("proposals:proposal_list", {}, "/proposals/", WorkflowListView),
        ("proposals:proposal_print", {"pk": 7}, "/proposals/7/print/", WorkflowPrintView),
    ],
)
def test_the_samples_and_proposals_keep_every_url_name_and_path(name, kwargs, path, view):
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.func.view_class is view
    model = {"samples": SampleOrder if "board" not in name else Board, "proposals": Proposal}
    assert match.func.view_initkwargs == {"model": model[name.split(":")[0]]}


def test_the_sample_work_order_prints_with_its_own_template(role_user, client_for):
    record = SampleOrderFactory()

    response = client_for(role_user("sample_room")).get(
        reverse("samples:sampleorder_print", args=[record.pk])
    )

    names = [t.name for t in response.templates]
    assert names[:2] == ["samples/sampleorder_print.html", "workflows/print_base.html"]


def test_the_samples_and_proposals_admin_from_their_declarations():
    sample_admin = admin.site._registry[SampleOrder]

    assert type(sample_admin) is WorkflowAdmin
    assert sample_admin.list_display == [
        "reference",
        "customer",
        "product_name",
        "round",
        "salesperson",
        "due_date",
        "state",
        "step_due_at",
    ]
    assert sample_admin.list_filter == ["state", "customer", ("salesperson", UserListFilter)]
    assert sample_admin.search_fields == list(SampleOrder.search_fields)
    assert sample_admin.list_select_related == ["customer", "salesperson"]
    # The proposals' own filters are not fields: the admin keeps the state.
    assert admin.site._registry[Proposal].list_filter == ["state", ("owner", UserListFilter)]
    assert admin.site._registry[Board].list_filter == [
        "state",
        "kind",
        "customer",
        ("salesperson", UserListFilter),
    ]
