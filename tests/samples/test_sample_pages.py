"""What is special to the pages of the sample processes (the contract suite,
tests/contract, checks every process's list, filters, rights and Chinese
pages): the customer filter, search and pages of the list; the boards'
list and page; the create form; the printed work order and who may see it;
attachments."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from samples.models import SampleOrder
from tests.factories import CustomerFactory, UserFactory, in_days, make_png
from tests.samples.kit import BoardFactory, SampleOrderFactory
from tests.workflow_checks import messages_of, refs
from workflows.models import Attachment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LIST = "samples:sampleorder_list"


@pytest.fixture
def viewer(role_user):
    """Someone with a step in the process (issues work orders)."""
    return role_user("sales_assistant")


# --- List: filters, search, pages -------------------------------------------------------


def test_list_filter_by_customer_keeps_only_that_customers_records(viewer, client_for):
    mine = CustomerFactory(name="Huanan Appliances")
    theirs = SampleOrderFactory()
    kept = SampleOrderFactory.create_batch(2, customer=mine)

    response = client_for(viewer).get(reverse(LIST), {"customer": mine.pk})

    assert refs(response) == {r.reference for r in kept}
    assert theirs.reference not in refs(response)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("thermos", "thermos"),
        ("THERMOS", "thermos"),
        ("Dongfang", "chair"),
        ("SF998877", "lamp"),
        ("model-x7", "lamp"),
    ],
)
def test_list_search_matches_product_customer_tracking_number_and_code(
    term, expected, viewer, client_for
):
    records = {
        "thermos": SampleOrderFactory(product_name="Stainless thermos 500 ml"),
        "chair": SampleOrderFactory(customer=CustomerFactory(name="Dongfang Home Group")),
        "lamp": SampleOrderFactory(product_name="LED shade", product_code="MODEL-X7"),
    }
    SampleOrder.objects.filter(pk=records["lamp"].pk).update(tracking_no="SF998877")

    response = client_for(viewer).get(reverse(LIST), {"q": term})

    assert refs(response) == {records[expected].reference}


def test_list_is_paginated_by_25_and_pages_keep_the_filters(viewer, client_for):
    SampleOrderFactory.create_batch(30)
    SampleOrderFactory(state="ordered")
    client = client_for(viewer)

    first = client.get(reverse(LIST), {"state": "requested"})
    second = client.get(reverse(LIST), {"state": "requested", "page": 2})

    assert len(first.context["records"]) == 25
    assert len(second.context["records"]) == 5
    assert first.context["page_obj"].paginator.count == 30
    assert refs(first).isdisjoint(refs(second))
    assert 'href="?state=requested&amp;page=2"' in first.content.decode()
    beyond = client.get(reverse(LIST), {"state": "requested", "page": 99})
    assert refs(beyond) == refs(second)


def test_board_list_and_detail_render_for_the_sample_room(role_user, client_for):
    board = BoardFactory(product_name="Folding chair PS")
    client = client_for(role_user("sample_room"))

    listed = client.get(reverse("samples:board_list"))
    shown = client.get(board.get_absolute_url())

    assert {b.reference for b in listed.context["records"]} == {board.reference}
    assert shown.status_code == 200
    assert 'data-step="finish"' in shown.content.decode()


# --- Creating a sample request ----------------------------------------------------------


def create_data(customer, salesperson, **overrides) -> dict:
    data = {
        "customer": customer.pk,
        "salesperson": salesperson.pk,
        "product_name": "Insulated lunch box",
        "product_code": "LB-02",
        "quantity": 4,
        "requirements": "Two colours, logo printed on the lid.",
        "materials": "Logo file",
        "due_date": in_days(15).isoformat(),
    }
    data.update(overrides)
    return data


def test_create_form_starts_a_request_with_its_first_audit_entry(role_user, client_for):
    sales = role_user("sales")
    customer = CustomerFactory()
    client = client_for(sales)
    assert client.get(reverse("samples:sampleorder_create")).status_code == 200

    response = client.post(reverse("samples:sampleorder_create"), create_data(customer, sales))

    record = SampleOrder.objects.get()
    assert response.status_code == 302
    assert response.url == record.get_absolute_url()
    assert (record.state, record.step_seq, record.round) == ("requested", 1, 1)
    assert (record.created_by_id, record.salesperson_id, record.customer_id) == (
        sales.pk,
        sales.pk,
        customer.pk,
    )
    assert record.due_date == in_days(15)
    assert re.fullmatch(rf"SP-{timezone.localdate().year}-\d{{4}}", record.reference)
    (log,) = StateLog.objects.for_(record)
    assert (log.transition, log.source_state, log.state, log.by_id) == (
        "create",
        None,
        "requested",
        sales.pk,
    )


def test_create_form_with_a_due_date_in_the_past_creates_nothing(role_user, client_for):
    sales = role_user("sales")

    response = client_for(sales).post(
        reverse("samples:sampleorder_create"),
        create_data(CustomerFactory(), sales, due_date=in_days(-1).isoformat()),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["due_date"] == ["This date is in the past."]
    assert not SampleOrder.objects.exists()
    assert not StateLog.objects.exists()


# --- Printed work order -----------------------------------------------------------------


def test_print_page_shows_the_work_order(advance, client_for):
    record = advance(SampleOrderFactory(product_name="Rice cooker pot"), "ordered")
    clerk = record.order_clerk

    response = client_for(clerk).get(reverse("samples:sampleorder_print", args=[record.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sample work order</h1>" in html
    assert record.reference in html
    assert "Rice cooker pot" in html
    assert record.customer.code in html
    assert "Cut, assemble, coat, inspect" in html
    assert in_days(10).isoformat() in html
    assert clerk.get_full_name() in html


# --- Attachments ------------------------------------------------------------------------


def attach(client, record, name: str, content: bytes, description: str = "Photo"):
    return client.post(
        reverse("samples:sampleorder_attach", args=[record.pk]),
        {"file": SimpleUploadedFile(name, content), "description": description},
        follow=True,
    )


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_png_attached_on_the_record_page_can_be_downloaded_by_the_process(
    media_root, role_user, client_for
):
    record = SampleOrderFactory(state="qa_inspection")
    png = make_png()

    response = attach(client_for(role_user("qa")), record, "scratch.png", png, "Scratch")

    assert messages_of(response) == ["File attached."]
    attachment = Attachment.objects.get()
    assert attachment.record == record
    assert (attachment.original_name, attachment.mime_type, attachment.size) == (
        "scratch.png",
        "image/png",
        len(png),
    )
    assert (attachment.state, attachment.description) == ("qa_inspection", "Scratch")
    assert len(stored_files(media_root)) == 1
    assert "scratch.png" in response.content.decode()

    download = client_for(role_user("sample_room")).get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png
    assert client_for(role_user("finance")).get(attachment.get_absolute_url()).status_code == 403


def test_oversized_attachment_is_refused_and_nothing_is_stored(
    media_root, settings, role_user, client_for
):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 40
    record = SampleOrderFactory()

    response = attach(client_for(role_user("sales_assistant")), record, "big.png", make_png(8, 8))

    assert response.status_code == 400
    assert messages_of(response) == ["The file was not attached."]
    assert "the limit is" in response.context["attachment_form"].errors["file"][0]
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_png_named_as_a_pdf_is_refused_and_nothing_is_stored(media_root, role_user, client_for):
    record = SampleOrderFactory()

    response = attach(client_for(role_user("sales_assistant")), record, "report.pdf", make_png())

    assert response.status_code == 400
    (error,) = response.context["attachment_form"].errors["file"]
    assert "the content is a PNG image" in error
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


# --- Who may see what -------------------------------------------------------------------


@pytest.mark.parametrize("roles", [[], ["finance"], ["researcher", "creative"]])
def test_user_without_a_role_in_the_process_may_not_print_a_work_order(roles, client_for):
    record = SampleOrderFactory()
    client = client_for(UserFactory(roles=roles))

    response = client.get(reverse("samples:sampleorder_print", args=[record.pk]))

    assert response.status_code == 403


def test_anonymous_users_are_sent_to_the_login_page_from_a_printed_work_order(client_for):
    record = SampleOrderFactory()

    response = client_for(None).get(reverse("samples:sampleorder_print", args=[record.pk]))

    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('login')}?next=")
