"""Customer-supplied drawings and products (客户来图 / 来样): the handovers
cannot be skipped, a new drawing version is acknowledged again, drawing files
go through the upload checks, and the two printouts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import CustomerSupply, SuppliedItem
from tests.factories import make_png
from tests.orders.supply_kit import SupplyFactory, add_item
from tests.workflow_checks import step_url
from workflows.models import Attachment
from workflows.services import StepNotAvailable, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def item_post(record: CustomerSupply, **fields: object) -> dict[str, object]:
    data = {
        "_seq": record.step_seq,
        "supply_register_item-kind": "drawing",
        "supply_register_item-number": "DWG-1",
        "supply_register_item-title": "Lid",
        "supply_register_item-version": "A",
        "supply_register_item-quantity": "1",
        "supply_register_item-confidentiality": "confidential",
    }
    data.update({f"supply_register_item-{k}": v for k, v in fields.items()})
    return data


def test_the_whole_path_from_request_to_return(advance, role_user):
    record = SupplyFactory(items=False)
    advance.walk(
        record,
        [
            "supply_submit",
            "supply_approve",
            "supply_sign_for",
            "supply_register_item",
            "supply_hand_over",
            "supply_acknowledge",
            "supply_in_use",
            "supply_dispose",
        ],
    )
    record.refresh_from_db()
    item = record.items.get()
    assert record.state == "closed" and record.disposal == "returned"
    assert (item.number, item.version, item.acknowledged_by) == ("DWG-8800", "C", role_user("tech"))


def test_the_drawing_handover_cannot_be_skipped(advance, role_user):
    record = SupplyFactory(state="handover")
    assistant = role_user("sales_assistant")

    with pytest.raises(StepNotAvailable, match="only once technical has acknowledged"):
        transition_perform(record=record, name="supply_in_use", user=assistant, data={})
    record = advance.walk(record, ["supply_inspect"])  # QA's half alone is not enough
    with pytest.raises(StepNotAvailable, match="only once technical has acknowledged"):
        transition_perform(record=record, name="supply_in_use", user=assistant, data={})

    record = advance.walk(record, ["supply_acknowledge", "supply_in_use"])
    assert record.state == "in_use"


def test_qa_cannot_acknowledge_drawings_for_technical(client_for, role_user):
    record = SupplyFactory(state="handover")

    response = client_for(role_user("qa")).post(
        step_url(record, "supply_acknowledge"), {"_seq": record.step_seq}
    )

    assert response.status_code == 403
    assert record.items.filter(SuppliedItem.PENDING_DRAWING).count() == 1


def test_a_new_version_supersedes_the_old_and_must_be_acknowledged_again(
    advance, role_user, client_for, media_root
):
    record = SupplyFactory(state="handover")
    record = advance.walk(record, ["supply_acknowledge", "supply_inspect", "supply_in_use"])
    old = record.items.get(kind="drawing")

    response = client_for(role_user("sales_assistant")).post(
        step_url(record, "supply_new_version"),
        {
            "_seq": record.step_seq,
            "supply_new_version-drawing": old.pk,
            "supply_new_version-version": "B",
            "supply_new_version-file": SimpleUploadedFile("DWG-7731-B.pdf", PDF),
        },
    )

    assert response.status_code == 302
    record.refresh_from_db()
    old.refresh_from_db()
    new = old.superseded_by
    assert record.state == "handover"
    assert (new.number, new.version, new.acknowledged_at) == ("DWG-7731", "B", None)
    assert new.attachment.original_name == "DWG-7731-B.pdf"
    assert list(record.items.filter(SuppliedItem.PENDING_DRAWING)) == [new]
    with pytest.raises(StepNotAvailable):
        transition_perform(
            record=record, name="supply_in_use", user=role_user("sales_assistant"), data={}
        )
    advance.walk(record, ["supply_acknowledge", "supply_in_use"])
    new.refresh_from_db()
    assert new.acknowledged_by == role_user("tech")


def test_the_version_in_use_is_not_a_new_version(advance, role_user):
    record = SupplyFactory(state="in_use")
    old = record.items.get(kind="drawing")
    with pytest.raises(Exception) as refused:
        transition_perform(
            record=record,
            name="supply_new_version",
            user=role_user("sales_assistant"),
            data={"drawing": old.pk, "version": "A"},
        )
    assert "This is the version in use" in refused.value.form.errors["version"][0]
    assert record.items.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("drawing.pdf", make_png(), "but the name says"),
        ("drawing.exe", b"MZ\x90\x00" + b"\x00" * 60, "this type of file is not accepted"),
        ("big.pdf", PDF + b"0" * 2048, "the limit is"),
    ],
)
def test_an_oversized_or_mislabelled_drawing_file_is_refused(
    client_for, role_user, media_root, settings, name, content, message
):
    settings.WORKFLOW_UPLOAD_MAX_BYTES = 1024
    record = SupplyFactory(state="registering", items=False)

    response = client_for(role_user("sales_assistant")).post(
        step_url(record, "supply_register_item"),
        item_post(record, file=SimpleUploadedFile(name, content)),
    )

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not SuppliedItem.objects.exists() and not Attachment.objects.exists()


def test_a_drawing_is_registered_with_its_file_and_version(client_for, role_user, media_root):
    record = SupplyFactory(state="registering", items=False)
    client = client_for(role_user("sales_assistant"))

    missing = client.post(step_url(record, "supply_register_item"), item_post(record, version=""))
    saved = client.post(
        step_url(record, "supply_register_item"),
        item_post(record, file=SimpleUploadedFile("DWG-1.pdf", PDF)),
    )

    assert missing.status_code == 400
    assert "A drawing is registered with its version." in missing.content.decode()
    assert saved.status_code == 302
    item = SuppliedItem.objects.get()
    assert (item.kind, item.version, item.attachment.mime_type) == (
        "drawing",
        "A",
        "application/pdf",
    )


def test_refused_by_the_department_head_ends_it(advance):
    record = SupplyFactory(items=False)
    advance.walk(record, ["supply_submit", "supply_refuse"])
    record.refresh_from_db()
    assert record.state == "refused" and record.is_final
    assert record.refusal_reason == "We do not make this part."


def test_nothing_is_handed_over_before_it_is_registered(role_user):
    record = SupplyFactory(state="registering", items=False)
    with pytest.raises(StepNotAvailable, match="Register the drawings and products first"):
        transition_perform(
            record=record, name="supply_hand_over", user=role_user("sales_assistant"), data={}
        )


@pytest.mark.parametrize(
    ("url", "language", "title"),
    [
        ("orders:customersupply_print", "zh-hans", "客户来图移交记录"),
        ("orders:customersupply_print", "en", "Customer drawing handover record"),
        (
            "orders:customersupply_print_inspection",
            "zh-hans",
            "原材料、外购件、外协件检验入库通知单",
        ),
        ("orders:customersupply_print_inspection", "en", "Inspection and storage notice"),
    ],
)
def test_the_printouts_in_both_languages(
    advance, client_for, role_user, url, language, title, django_assert_max_num_queries
):
    record = SupplyFactory(state="handover")
    add_item(record, "drawing", number="DWG-7732", version="D")
    advance.walk(record, ["supply_acknowledge", "supply_inspect"])
    client = client_for(role_user("tech"), language=language)

    with django_assert_max_num_queries(14):
        response = client.get(reverse(url, args=[record.pk]))

    text = response.content.decode()
    assert response.status_code == 200 and title in text
    if url.endswith("inspection"):
        assert "QA cabinet 3" in text and "P-0042" in text and "Lid assembly" not in text
    else:
        assert "DWG-7731" in text and "DWG-7732" in text and "Sample flask" not in text


def test_the_record_page_lists_drawings_and_products(client_for, role_user):
    record = SupplyFactory(state="handover")
    response = client_for(role_user("tech")).get(record.get_absolute_url())
    text = response.content.decode()
    assert response.status_code == 200
    assert "DWG-7731" in text and "P-0042" in text and "Waiting for technical" in text
