"""The pages a process gets from its declarations alone: the URLs of
``process_urls``, the one read check, the generated list filters, the admin
defaults, the templates' naming convention with the engine's bases to fall
back on, and the field-rows tag that labels values with the model's verbose
names."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.urls import resolve, reverse
from django.utils import timezone, translation

from proposals.filters import ProposalFilter
from proposals.models import Proposal
from samples.models import Board, SampleOrder
from tests.factories import CustomerFactory, UserFactory, in_days
from tests.proposals.kit import ProposalFactory
from tests.samples.kit import BoardFactory, SampleOrderFactory
from tests.workflow_checks import refs
from workflows.admin import WorkflowAdmin, process_admin_options, register_process
from workflows.filters import WorkflowFilterSet, filterset_for
from workflows.models import Escalation
from workflows.rights import readable
from workflows.routing import process_urls
from workflows.views import WorkflowCreateView, WorkflowDetailView, WorkflowListView
from workflows.views.records import WorkflowPrintView, page_templates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- URLs from one call ------------------------------------------------------------------


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
def test_process_urls_keeps_every_name_and_path(name, kwargs, path, view):
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.func.view_class is view
    model = {"samples": SampleOrder if "board" not in name else Board, "proposals": Proposal}
    assert match.func.view_initkwargs == {"model": model[name.split(":")[0]]}


def test_the_first_model_sits_at_the_root_the_others_under_their_name_or_prefix(monkeypatch):
    monkeypatch.setattr(Board, "url_prefix", "plates/")
    monkeypatch.setattr(Proposal, "create_form", None)

    patterns = {p.name: str(p.pattern) for p in process_urls(SampleOrder, Board, Proposal)}

    assert patterns["sampleorder_list"] == ""
    assert patterns["board_list"] == "plates/"
    assert patterns["board_print"] == "plates/<int:pk>/print/"
    assert patterns["proposal_list"] == "proposals/"
    assert "proposal_create" not in patterns  # no create_form: no creation page
    assert len(patterns) == 7 + 7 + 6


def test_a_step_url_answers_get_with_405(role_user, client_for):
    record = SampleOrderFactory()

    response = client_for(role_user("sales_assistant")).get(
        reverse("samples:sampleorder_step", kwargs={"pk": record.pk, "name": "issue_work_order"})
    )

    assert response.status_code == 405
    assert response["Allow"] == "POST"


# --- One read check ----------------------------------------------------------------------


def escalate(record, manager) -> Escalation:
    return Escalation.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        step_seq=record.step_seq,
        role="sales_assistant",
        manager=manager,
        due_at=timezone.now() - dt.timedelta(days=1),
    )


def test_readable_gives_every_record_to_a_role_in_the_process(role_user):
    records = SampleOrderFactory.create_batch(2)

    assert set(readable(role_user("qa"), SampleOrder)) == set(records)


def test_readable_refuses_a_user_without_a_role(role_user):
    SampleOrderFactory()

    with pytest.raises(PermissionDenied, match=r"You have no role in this process\."):
        readable(role_user("finance"), SampleOrder)


def test_readable_gives_a_manager_only_the_record_escalated_to_them(role_user, client_for):
    manager = UserFactory()  # named in an escalation rule, no role in the process
    escalated, other = SampleOrderFactory.create_batch(2)
    escalate(escalated, manager)

    assert list(readable(manager, SampleOrder, escalated.pk)) == [escalated]
    with pytest.raises(PermissionDenied):
        readable(manager, SampleOrder, other.pk)
    with pytest.raises(PermissionDenied):
        readable(manager, SampleOrder)  # the list
    client = client_for(manager)
    assert client.get(escalated.get_absolute_url()).status_code == 200
    print_url = reverse("samples:sampleorder_print", args=[escalated.pk])
    assert client.get(print_url).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 403
    assert client.get(reverse("samples:sampleorder_list")).status_code == 403


# --- The printable record, with the engine's base to fall back on -----------------------


def test_a_process_without_a_print_template_gets_the_engines_print_page(role_user, client_for):
    board = BoardFactory(product_name="Folding chair PS", customer_order_no="PO-778")

    response = client_for(role_user("sample_room")).get(
        reverse("samples:board_print", args=[board.pk])
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == [
        "workflows/print_base.html",
        "workflows/partials/field_rows.html",
    ]
    html = response.content.decode()
    assert f"<title>PS / PPS board {board.reference}</title>" in html
    assert "<tr><th>Customer order number</th><td>PO-778</td></tr>" in html
    assert "<tr><th>Board type</th><td>PS board</td></tr>" in html
    assert f"<tr><th>Due date</th><td>{in_days(7).isoformat()}</td></tr>" in html
    assert "Reason for rejection" not in html  # empty: left out
    assert "<nav" not in html


def test_a_process_with_a_print_template_gets_its_own(role_user, client_for):
    record = SampleOrderFactory()

    response = client_for(role_user("sample_room")).get(
        reverse("samples:sampleorder_print", args=[record.pk])
    )

    names = [t.name for t in response.templates]
    assert names[:2] == ["samples/sampleorder_print.html", "workflows/print_base.html"]


def test_print_page_of_a_missing_record_is_404_and_without_a_role_403(role_user, client_for):
    record = ProposalFactory()

    assert (
        client_for(role_user("bd"))
        .get(reverse("proposals:proposal_print", args=[record.pk + 1000]))
        .status_code
        == 404
    )
    assert (
        client_for(role_user("sales"))
        .get(reverse("proposals:proposal_print", args=[record.pk]))
        .status_code
        == 403
    )


def test_page_templates_follow_the_naming_convention():
    assert page_templates(Board, "list", "workflows/list_base.html") == [
        "samples/board_list.html",
        "workflows/list_base.html",
    ]


@pytest.fixture
def bare_templates(settings, tmp_path):
    """Board's list and record templates only extend the engine's bases."""
    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "board_list.html").write_text('{% extends "workflows/list_base.html" %}')
    (folder / "board_detail.html").write_text('{% extends "workflows/record_base.html" %}')
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


def test_the_list_base_shows_the_reference_and_the_declared_columns(
    bare_templates, role_user, client_for
):
    customer = CustomerFactory(name="Huanan Appliances", code="HN")
    board = BoardFactory(customer=customer, customer_order_no="PO-9", product_name="Stool")

    response = client_for(role_user("sample_room")).get(reverse("samples:board_list"))

    html = response.content.decode()
    assert (
        "<th>Reference</th><th>Board type</th><th>Customer</th><th>Customer order number</th>"
        "<th>Product name</th><th>Round</th><th>State</th>"
    ) in html
    assert (
        f'<td><a href="{board.get_absolute_url()}">{board.reference}</a></td><td>PS board</td>'
        "<td>Huanan Appliances (HN)</td><td>PO-9</td><td>Stool</td><td>1</td>"
    ) in html


def test_the_record_base_shows_every_field_the_process_declares(
    bare_templates, role_user, client_for
):
    board = BoardFactory(customer_order_no="PO-9", requirements="Blue, matt.")

    response = client_for(role_user("sample_room")).get(board.get_absolute_url())

    html = response.content.decode()
    assert '<dt class="col-sm-3">Customer order number</dt><dd class="col-sm-9">PO-9</dd>' in html
    assert (
        '<dt class="col-sm-3">Customer order requirements</dt><dd class="col-sm-9">Blue, matt.</dd>'
    ) in html
    assert '<dt class="col-sm-3">Round</dt><dd class="col-sm-9">1</dd>' in html
    assert "Signed on" not in html  # empty: left out
    assert 'data-step="finish"' in html


# --- The generated list filters ----------------------------------------------------------


def test_filters_are_state_the_models_own_the_owner_overdue_and_mine():
    fields = {m: list(filterset_for(m).base_filters) for m in (SampleOrder, Board, Proposal)}

    assert fields == {
        SampleOrder: ["state", "customer", "salesperson", "overdue", "mine"],
        Board: ["state", "kind", "customer", "salesperson", "overdue", "mine"],
        Proposal: ["state", "developer", "deadline", "owner", "overdue", "mine"],
    }
    assert filterset_for(SampleOrder) is filterset_for(SampleOrder)
    assert issubclass(filterset_for(Proposal), ProposalFilter)
    assert issubclass(filterset_for(SampleOrder), WorkflowFilterSet)


def test_the_state_filter_takes_several_states_of_the_model():
    state = filterset_for(Board)().form.fields["state"]

    assert state.widget.allow_multiple_selected
    assert [v for v, _ in state.choices] == list(Board.State.values)


def test_the_owner_filter_offers_the_owner_roles_members_including_those_who_left(
    role_user, client_for
):
    lin, gone = UserFactory(roles=["sales"]), UserFactory(roles=["sales"], is_active=False)
    qa = role_user("qa")
    mine = SampleOrderFactory.create_batch(2, salesperson=lin)
    SampleOrderFactory(salesperson=gone)

    response = client_for(qa).get(reverse("samples:sampleorder_list"), {"salesperson": lin.pk})

    assert refs(response) == {r.reference for r in mine}
    owner = response.context["filter"].form.fields["salesperson"]
    assert owner.label == "Salesperson"
    assert {u.pk for u in owner.queryset} == {lin.pk, gone.pk}
    assert owner.empty_label == "Anyone"


def test_a_relation_filter_offers_its_rows_under_all_of_them_in_both_languages(
    role_user, client_for
):
    CustomerFactory(name="Dongfang Home", active=False)

    field = filterset_for(Board)().form.fields["customer"]

    assert field.label == "Customer"
    assert str(field.empty_label) == "All customers"
    with translation.override("zh-hans"):
        assert str(field.empty_label) == "全部客户"
    assert [c.name for c in field.queryset] == ["Dongfang Home"]


def test_a_choice_filter_offers_the_fields_choices(role_user, client_for):
    ps, pps = BoardFactory(kind="ps"), BoardFactory(kind="pps")

    response = client_for(role_user("sales_assistant")).get(
        reverse("samples:board_list"), {"kind": "pps"}
    )

    assert refs(response) == {pps.reference}
    assert ps.reference not in refs(response)
    kind = response.context["filter"].form.fields["kind"]
    assert (kind.label, list(kind.choices)[1:]) == ("Board type", list(Board.Kind.choices))


def test_an_invalid_filter_value_lists_nothing_and_says_why(role_user, client_for):
    SampleOrderFactory()

    response = client_for(role_user("qa")).get(
        reverse("samples:sampleorder_list"), {"salesperson": "nobody"}
    )

    assert response.status_code == 200
    assert refs(response) == set()
    assert response.context["filter"].form.errors["salesperson"]


# --- Admin defaults ------------------------------------------------------------------------


def test_process_models_are_registered_with_the_declared_admin():
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
    assert sample_admin.list_filter == ["state", "customer"]
    assert sample_admin.search_fields == list(SampleOrder.search_fields)
    assert sample_admin.list_select_related == ["customer", "salesperson"]
    # The proposals' own filters are not fields: the admin keeps the state.
    assert admin.site._registry[Proposal].list_filter == ["state"]
    assert admin.site._registry[Board].list_filter == ["state", "kind", "customer"]


def test_a_subclass_keeps_what_it_sets_itself():
    class Narrow(WorkflowAdmin):
        list_display = ["reference", "state"]

    site = admin.AdminSite(name="narrow")
    narrow = Narrow(Board, site)

    assert narrow.list_display == ["reference", "state"]
    assert narrow.search_fields == process_admin_options(Board)["search_fields"]


def test_register_process_registers_each_model_with_the_given_admin_class():
    class Narrow(WorkflowAdmin):
        list_display = ["reference", "state"]

    site = admin.AdminSite(name="other")

    register_process(SampleOrder, Board, site=site)
    register_process(Proposal, admin_class=Narrow, site=site)

    assert {m: type(a) for m, a in site._registry.items()} == {
        SampleOrder: WorkflowAdmin,
        Board: WorkflowAdmin,
        Proposal: Narrow,
    }
    assert site._registry[Proposal].list_display == ["reference", "state"]


def test_admin_list_searches_the_declared_fields_and_the_record_offers_its_steps(client_for):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    wanted = SampleOrderFactory(customer=CustomerFactory(name="Dongfang Home"))
    SampleOrderFactory()
    client = client_for(superuser)

    listed = client.get(reverse("admin:samples_sampleorder_changelist"), {"q": "dongfang"})
    change = client.get(reverse("admin:samples_sampleorder_change", args=[wanted.pk]))

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [wanted]
    assert [a.name for a in change.context["workflow_actions"]] == ["issue_work_order"]


# --- Field rows ----------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load workflow_tags %}" + source).render(Context(context))


def test_field_rows_label_values_with_the_models_verbose_names(advance):
    record = advance(
        SampleOrderFactory(
            customer=CustomerFactory(name="Huanan Appliances", code="HN"),
            product_code="",
            materials="",
        ),
        "ordered",
    )
    clerk = record.order_clerk

    html = render(
        '{% field_rows record "customer" "order_clerk" "due_date" "product_code" "materials?" %}',
        record=record,
    )

    assert html.splitlines() == [
        '<dt class="col-sm-3">Customer</dt><dd class="col-sm-9">Huanan Appliances (HN)</dd>',
        f'<dt class="col-sm-3">Order clerk</dt><dd class="col-sm-9">{clerk.get_full_name()}</dd>',
        f'<dt class="col-sm-3">Production due date</dt><dd class="col-sm-9">{in_days(10)}</dd>',
        '<dt class="col-sm-3">Style / model number</dt><dd class="col-sm-9">—</dd>',
    ]


def test_field_rows_in_chinese_and_as_table_rows():
    record = BoardFactory(kind="pps", rejection_reason="")

    with translation.override("zh-hans"):
        html = render(
            '{% field_rows record "kind" "due_date" "rejection_reason?" layout="table" %}',
            record=record,
        )

    assert html.splitlines() == [
        "<tr><th>板类型</th><td>PPS 板</td></tr>",
        f"<tr><th>交期</th><td>{in_days(7)}</td></tr>",
    ]


def test_field_rows_without_names_shows_the_processs_own_filled_fields():
    record = BoardFactory(customer_order_no="PO-1", product_name="Stool")

    html = render("{% field_rows record %}", record=record)

    labels = [line.split("</dt>")[0].split(">")[-1] for line in html.splitlines()]
    assert labels == [
        "Board type",
        "Customer",
        "Customer order number",
        "Product name",
        "Customer order requirements",
        "Salesperson",
        "Due date",
        "Round",
    ]


def test_field_rows_escape_what_people_typed():
    record = BoardFactory(requirements="<script>alert(1)</script>")

    html = render('{% field_rows record "requirements" %}', record=record)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
