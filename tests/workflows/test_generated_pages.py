"""The pages a process gets from its declarations alone: the URLs of
``process_urls``, the one read check, the generated list filters, the admin
defaults, the templates' naming convention with the engine's bases to fall
back on, and the field-rows tag that labels values with the model's verbose
names."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.urls import resolve, reverse
from django.utils import timezone, translation

from tests.factories import CustomerFactory, UserFactory, in_days
from tests.testflows.filters import ReviewFilter
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from tests.workflow_checks import refs
from workflows.admin import (
    UserListFilter,
    WorkflowAdmin,
    process_admin_options,
    register_process,
)
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
        ("testflows:job_list", {}, "/testflows/jobs/", WorkflowListView),
        ("testflows:job_create", {}, "/testflows/jobs/new/", WorkflowCreateView),
        ("testflows:job_detail", {"pk": 7}, "/testflows/jobs/7/", WorkflowDetailView),
        ("testflows:job_print", {"pk": 7}, "/testflows/jobs/7/print/", WorkflowPrintView),
        ("testflows:job_sign", {"pk": 7}, "/testflows/jobs/7/sign/", WorkflowDetailView),
        ("testflows:job_attach", {"pk": 7}, "/testflows/jobs/7/attach/", WorkflowDetailView),
        (
            "testflows:job_step",
            {"pk": 7, "name": "outsource"},
            "/testflows/jobs/7/step/outsource/",
            WorkflowDetailView,
        ),
        ("testflows:review_list", {}, "/testflows/reviews/", WorkflowListView),
        ("testflows:review_create", {}, "/testflows/reviews/new/", WorkflowCreateView),
        ("testflows:review_detail", {"pk": 7}, "/testflows/reviews/7/", WorkflowDetailView),
        ("testflows:review_print", {"pk": 7}, "/testflows/reviews/7/print/", WorkflowPrintView),
        ("testflows:review_sign", {"pk": 7}, "/testflows/reviews/7/sign/", WorkflowDetailView),
        (
            "testflows:review_attach",
            {"pk": 7},
            "/testflows/reviews/7/attach/",
            WorkflowDetailView,
        ),
    ],
)
def test_process_urls_keeps_every_name_and_path(name, kwargs, path, view):
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.func.view_class is view
    model = Review if ":review_" in name else Job
    assert match.func.view_initkwargs == {"model": model}


def test_the_first_model_sits_at_the_root_the_others_under_their_name_or_prefix(monkeypatch):
    monkeypatch.setattr(Job, "url_prefix", None)
    monkeypatch.setattr(Review, "url_prefix", None)
    monkeypatch.setattr(Review, "create_form", None)

    patterns = {p.name: str(p.pattern) for p in process_urls(Job, Review)}
    monkeypatch.setattr(Review, "url_prefix", "plates/")
    prefixed = {p.name: str(p.pattern) for p in process_urls(Job, Review)}

    assert patterns["job_list"] == ""
    assert prefixed["review_list"] == "plates/"
    assert prefixed["review_print"] == "plates/<int:pk>/print/"
    assert patterns["review_list"] == "reviews/"
    assert "review_create" not in patterns  # no create_form: no creation page
    # Each: list, export, saved filters (save, delete), record, print, step, sign, attach.
    assert len(patterns) == 10 + 9
    assert prefixed["review_export"] == "plates/export.<str:fmt>"


def test_a_step_url_answers_get_with_405(role_user, client_for):
    record = JobFactory()

    response = client_for(role_user("sales_assistant")).get(
        reverse("testflows:job_step", kwargs={"pk": record.pk, "name": "schedule"})
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
    records = JobFactory.create_batch(2)

    assert set(readable(role_user("qa"), Job)) == set(records)


def test_readable_refuses_a_user_without_a_role(role_user):
    JobFactory()

    with pytest.raises(PermissionDenied, match=r"You have no role in this process\."):
        readable(role_user("finance"), Job)


def test_readable_gives_a_manager_only_the_record_escalated_to_them(role_user, client_for):
    manager = UserFactory()  # named in an escalation rule, no role in the process
    escalated, other = JobFactory.create_batch(2)
    escalate(escalated, manager)

    assert list(readable(manager, Job, escalated.pk)) == [escalated]
    with pytest.raises(PermissionDenied):
        readable(manager, Job, other.pk)
    with pytest.raises(PermissionDenied):
        readable(manager, Job)  # the list
    client = client_for(manager)
    assert client.get(escalated.get_absolute_url()).status_code == 200
    print_url = reverse("testflows:job_print", args=[escalated.pk])
    assert client.get(print_url).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 403
    assert client.get(reverse("testflows:job_list")).status_code == 403


# --- The printable record, with the engine's base to fall back on -----------------------


def test_a_process_without_a_print_template_gets_the_engines_print_page(role_user, client_for):
    review = ReviewFactory(title="Folding chair range", priority="high")

    response = client_for(role_user("creative")).get(
        reverse("testflows:review_print", args=[review.pk])
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == [
        "workflows/print_base.html",
        "workflows/partials/field_rows.html",
    ]
    html = response.content.decode()
    assert f"<title>Test review {review.reference}</title>" in html
    assert "<tr><th>Title</th><td>Folding chair range</td></tr>" in html
    assert "<tr><th>Priority</th><td>High</td></tr>" in html
    assert f"<tr><th>Deadline</th><td>{in_days(30).isoformat()}</td></tr>" in html
    assert "Summary" not in html  # empty: left out
    assert "<nav" not in html


def test_a_process_with_a_print_template_gets_its_own(role_user, client_for):
    record = JobFactory()

    response = client_for(role_user("sample_room")).get(
        reverse("testflows:job_print", args=[record.pk])
    )

    names = [t.name for t in response.templates]
    assert names[:2] == ["testflows/job_print.html", "workflows/print_base.html"]


def test_print_page_of_a_missing_record_is_404_and_without_a_role_403(role_user, client_for):
    record = ReviewFactory()

    assert (
        client_for(role_user("bd"))
        .get(reverse("testflows:review_print", args=[record.pk + 1000]))
        .status_code
        == 404
    )
    assert (
        client_for(role_user("sales"))
        .get(reverse("testflows:review_print", args=[record.pk]))
        .status_code
        == 403
    )


def test_page_templates_follow_the_naming_convention():
    assert page_templates(Review, "list", "workflows/list_base.html") == [
        "testflows/review_list.html",
        "workflows/list_base.html",
    ]


@pytest.fixture
def bare_templates(settings, tmp_path):
    """Job's list and record templates only extend the engine's bases."""
    folder = tmp_path / "testflows"
    folder.mkdir()
    (folder / "job_list.html").write_text('{% extends "workflows/list_base.html" %}')
    (folder / "job_detail.html").write_text('{% extends "workflows/record_base.html" %}')
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


def test_the_list_base_shows_the_reference_and_the_declared_columns(
    bare_templates, role_user, client_for
):
    customer = CustomerFactory(name="Huanan Appliances", code="HN")
    requester = UserFactory(roles=["sales"], first_name="Fang", last_name="Wang")
    job = JobFactory(customer=customer, title="Stool", quantity=9, requester=requester)

    response = client_for(role_user("sample_room")).get(reverse("testflows:job_list"))

    html = response.content.decode()
    headings = re.findall(r"<th[^>]*>(?:<a [^>]*>)?([^<]+)", html)
    assert headings == [
        "Reference",
        "Job type",
        "Customer",
        "Title",
        "Quantity",
        "Requester",
        "State",
        "Step due",
    ]
    assert (
        f'<td class="ref"><a href="{job.get_absolute_url()}">{job.reference}</a></td>'
        "<td>Standard job</td>"
        "<td>Huanan Appliances (HN)</td><td>Stool</td><td>9</td>"
        f"<td>{requester.get_full_name()}</td>"
    ) in html


def test_the_record_base_shows_every_field_the_process_declares(
    bare_templates, role_user, client_for
):
    job = JobFactory(title="PO-9 stools", details="Blue, matt.", quantity=4)

    response = client_for(role_user("sales_assistant")).get(job.get_absolute_url())

    html = response.content.decode()
    assert '<dt class="col-sm-3">Title</dt><dd class="col-sm-9">PO-9 stools</dd>' in html
    assert '<dt class="col-sm-3">Details</dt><dd class="col-sm-9">Blue, matt.</dd>' in html
    assert '<dt class="col-sm-3">Quantity</dt><dd class="col-sm-9">4</dd>' in html
    assert "Received on" not in html  # empty: left out
    assert 'data-step="schedule"' in html


# --- The generated list filters ----------------------------------------------------------


def test_filters_are_state_the_models_own_the_owner_overdue_and_mine():
    fields = {m: list(filterset_for(m).base_filters) for m in (Job, Review)}

    assert fields == {
        Job: ["state", "kind", "customer", "requester", "overdue", "mine"],
        Review: ["state", "ends", "created_by", "overdue", "mine"],
    }
    assert filterset_for(Job) is filterset_for(Job)
    assert issubclass(filterset_for(Review), ReviewFilter)
    assert issubclass(filterset_for(Job), WorkflowFilterSet)


def test_the_state_filter_takes_several_states_of_the_model():
    state = filterset_for(Job)().form.fields["state"]

    assert state.widget.allow_multiple_selected
    assert [v for v, _ in state.choices] == list(Job.State.values)


def test_the_owner_filter_offers_the_owner_roles_members_including_those_who_left(
    role_user, client_for
):
    lin, gone = UserFactory(roles=["sales"]), UserFactory(roles=["sales"], is_active=False)
    qa = role_user("qa")
    mine = JobFactory.create_batch(2, requester=lin)
    JobFactory(requester=gone)

    response = client_for(qa).get(reverse("testflows:job_list"), {"requester": lin.pk})

    assert refs(response) == {r.reference for r in mine}
    owner = response.context["filter"].form.fields["requester"]
    assert owner.label == "Requester"
    assert {u.pk for u in owner.queryset} == {lin.pk, gone.pk}
    assert owner.empty_label == "Anyone"


def test_a_relation_filter_offers_its_rows_under_all_of_them_in_both_languages(
    role_user, client_for
):
    CustomerFactory(name="Dongfang Home", active=False)

    field = filterset_for(Job)().form.fields["customer"]

    assert field.label == "Customer"
    assert str(field.empty_label) == "All customers"
    with translation.override("zh-hans"):
        assert str(field.empty_label) == "全部客户"
    assert [c.name for c in field.queryset] == ["Dongfang Home"]


def test_a_choice_filter_offers_the_fields_choices(role_user, client_for):
    standard, rush = JobFactory(kind="standard"), JobFactory(kind="rush")

    response = client_for(role_user("sales_assistant")).get(
        reverse("testflows:job_list"), {"kind": "rush"}
    )

    assert refs(response) == {rush.reference}
    assert standard.reference not in refs(response)
    kind = response.context["filter"].form.fields["kind"]
    assert (kind.label, list(kind.choices)[1:]) == ("Job type", list(Job.Kind.choices))


def test_an_invalid_filter_value_lists_nothing_and_says_why(role_user, client_for):
    JobFactory()

    response = client_for(role_user("qa")).get(
        reverse("testflows:job_list"), {"requester": "nobody"}
    )

    assert response.status_code == 200
    assert refs(response) == set()
    assert response.context["filter"].form.errors["requester"]


# --- Admin defaults ------------------------------------------------------------------------


def test_process_models_are_registered_with_the_declared_admin():
    job_admin = admin.site._registry[Job]

    assert type(job_admin) is WorkflowAdmin
    assert job_admin.list_display == [
        "reference",
        "kind",
        "customer",
        "title",
        "quantity",
        "requester",
        "state",
        "step_due_at",
    ]
    assert job_admin.list_filter == ["state", "kind", "customer", ("requester", UserListFilter)]
    assert job_admin.search_fields == list(Job.search_fields)
    assert job_admin.list_select_related == ["customer", "requester"]
    # The reviews' own filter is not a field: the admin keeps the state.
    assert admin.site._registry[Review].list_filter == ["state", ("created_by", UserListFilter)]
    assert admin.site._registry[Review].search_fields == ["reference", "title"]


def test_a_subclass_keeps_what_it_sets_itself():
    class Narrow(WorkflowAdmin):
        list_display = ["reference", "state"]

    site = admin.AdminSite(name="narrow")
    narrow = Narrow(Job, site)

    assert narrow.list_display == ["reference", "state"]
    assert narrow.search_fields == process_admin_options(Job)["search_fields"]


def test_register_process_registers_each_model_with_the_given_admin_class():
    class Narrow(WorkflowAdmin):
        list_display = ["reference", "state"]

    site = admin.AdminSite(name="other")

    register_process(Job, site=site)
    register_process(Review, admin_class=Narrow, site=site)

    assert {m: type(a) for m, a in site._registry.items()} == {
        Job: WorkflowAdmin,
        Review: Narrow,
    }
    assert site._registry[Review].list_display == ["reference", "state"]
    assert "title" in site._registry[Job].list_display


def test_admin_list_searches_the_declared_fields_and_the_record_offers_its_steps(client_for):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    wanted = JobFactory(customer=CustomerFactory(name="Dongfang Home"))
    JobFactory()
    client = client_for(superuser)

    listed = client.get(reverse("admin:testflows_job_changelist"), {"q": "dongfang"})
    change = client.get(reverse("admin:testflows_job_change", args=[wanted.pk]))

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [wanted]
    assert [a.name for a in change.context["workflow_actions"]] == ["schedule"]


# --- Field rows ----------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load workflow_tags %}" + source).render(Context(context))


def test_field_rows_label_values_with_the_models_verbose_names(advance):
    record = advance(
        JobFactory(
            customer=CustomerFactory(name="Huanan Appliances", code="HN"),
            details="",
            feedback="",
        ),
        "planned",
    )
    planner = record.planner

    html = render(
        '{% field_rows record "customer" "planner" "due_date" "details" "feedback?" %}',
        record=record,
    )

    assert html.splitlines() == [
        '<dt class="col-sm-3">Customer</dt><dd class="col-sm-9">Huanan Appliances (HN)</dd>',
        f'<dt class="col-sm-3">Planned by</dt><dd class="col-sm-9">{planner.get_full_name()}</dd>',
        f'<dt class="col-sm-3">Due date</dt><dd class="col-sm-9">{in_days(10)}</dd>',
        '<dt class="col-sm-3">Details</dt><dd class="col-sm-9">—</dd>',
    ]


def test_field_rows_in_chinese_and_as_table_rows():
    record = JobFactory(kind="rush", feedback="")

    with translation.override("zh-hans"):
        html = render(
            '{% field_rows record "kind" "due_date" "feedback?" layout="table" %}',
            record=record,
        )

    assert html.splitlines() == [
        "<tr><th>工单类型</th><td>加急工单</td></tr>",
        f"<tr><th>交期</th><td>{in_days(14)}</td></tr>",
    ]


def test_field_rows_without_names_shows_the_processs_own_filled_fields():
    record = JobFactory(title="Stool", plan="")

    html = render("{% field_rows record %}", record=record)

    labels = [line.split("</dt>")[0].split(">")[-1] for line in html.splitlines()]
    assert labels == [
        "Requester",
        "Job type",
        "Customer",
        "Title",
        "Quantity",
        "Details",
        "Due date",
    ]


def test_field_rows_escape_what_people_typed():
    record = JobFactory(details="<script>alert(1)</script>")

    html = render('{% field_rows record "details" %}', record=record)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
