"""The record page: a step that opens another record lands on it, naming it;
a step's dialog never has two buttons reading alike; the diagram wraps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.kits import post_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows.diagram import NARROW, WIDE, Edge, process_diagram, render_state_diagram
from workflows.services import signoff_record, transition_perform, transition_take

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SVG = "{http://www.w3.org/2000/svg}"


def signed_rejection(role_user: Any) -> Job:
    """A rejected job both departments have signed for: the requester may redo it."""
    record = JobFactory(state="rejected")
    for role in ("qa", "sample_room"):
        record.refresh_from_db()
        signoff_record(
            record=record,
            user=role_user(role),
            role=role,
            decision="agree",
            seen_seq=record.step_seq,
        )
    record.refresh_from_db()
    return record


# --- A step that opens another record -----------------------------------------------------


def test_the_service_passes_back_the_record_the_effect_opened(role_user):
    record = signed_rejection(role_user)
    data = post_data(record, "redo", seq=None)

    outcome = transition_take(record=record, name="redo", user=record.requester, data=data)

    new = Job.objects.get(previous=record)
    assert outcome.record.pk == record.pk and outcome.record.state == "redone"
    assert outcome.created == new


def test_a_step_without_an_effect_opens_nothing(role_user):
    record = JobFactory()
    data = post_data(record, "schedule", seq=None)

    outcome = transition_take(
        record=record, name="schedule", user=role_user("sales_assistant"), data=data
    )
    again = transition_perform(
        record=JobFactory(), name="schedule", user=role_user("sales_assistant"), data=data
    )

    assert outcome.created is None
    assert again.state == "planned"  # transition_perform still gives the record


def test_after_a_step_that_opens_a_record_the_user_lands_on_it(role_user, client_for):
    record = signed_rejection(role_user)
    client = client_for(record.requester)
    data = post_data(record, "redo", seq=record.step_seq, prefixed=True)

    response = client.post(
        reverse("testflows:job_step", kwargs={"pk": record.pk, "name": "redo"}), data
    )

    new = Job.objects.get(previous=record)
    assert response.status_code == 302
    assert response.url == new.get_absolute_url()
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert record.reference in message and new.reference in message
    assert "Redo as a new job" in message
    page = client.get(response.url)
    assert new.reference in page.content.decode()


# --- The dialog's buttons ---------------------------------------------------------------


def test_a_steps_dialog_closes_with_close_and_its_button_says_what_it_does(client_for):
    record = JobFactory(state="new")

    html = client_for(record.requester).get(record.get_absolute_url()).content.decode()

    dialog = html[html.index('id="step-cancel"') :]
    dialog = dialog[: dialog.index("</form>")]
    buttons = [
        re.sub(r"<[^>]+>", "", b).strip()
        for b in re.findall(r"<button[^>]*>(.*?)</button>", dialog, re.S)
    ]
    assert buttons == ["", "Close", "Cancel the job"]  # the ✕, closing, and the step
    assert "Cancel" not in [b for b in buttons if b != "Cancel the job"]


def test_on_a_phone_the_actions_come_first(client_for):
    # The record page's grid puts the actions first on a narrow screen
    # (static/css/app.css); the browser test checks it at 390×844.
    record = JobFactory(state="delivered")
    html = client_for(record.requester).get(record.get_absolute_url()).content.decode()

    layout = html[html.index('class="record-layout"') :]
    assert 'class="record-actions"' in layout and 'class="record-main"' in layout
    css = (Path(__file__).parents[2] / "static/css/app.css").read_text()
    assert 'grid-template-areas: "actions" "main" "more"' in css


# --- The diagram wraps ------------------------------------------------------------------


def chain(n: int, label: str) -> tuple[list[tuple[str, str]], list[Edge]]:
    states = [(f"s{i}", f"{label} {i}") for i in range(n)]
    edges = [Edge(f"s{i}", f"s{i + 1}", f"step {i}") for i in range(n - 1)]
    edges.append(Edge(f"s{n - 1}", "s0", "start again"))
    return states, edges


@pytest.mark.parametrize("wrap", [NARROW, WIDE])
def test_a_long_diagram_wraps_in_bands_no_wider_than_asked(wrap):
    states, edges = chain(12, "A named state")

    root = ET.fromstring(render_state_diagram(states, edges, current="s5", wrap=wrap))

    bands = [b for b in root.findall(f"{SVG}svg") if b.get("class") == "band"]
    assert len(bands) > 1
    for band in bands:
        assert float(band.get("width")) <= wrap
        assert band.find(f"{SVG}use") is not None
    # The SVG is as wide as its widest band: the page scales it down only if it must.
    assert float(root.get("width")) == max(float(b.get("width")) for b in bands)
    # Everything is drawn once, and the bands are windows onto it.
    drawn = root.find(f"{SVG}defs/{SVG}g")
    texts = [t.text for t in drawn.iter(f"{SVG}text")]
    for _code, label in states:
        assert texts.count(label) == 1


def test_a_band_is_never_cut_through_a_label():
    states, edges = chain(12, "状态名称较长的一个状态")
    root = ET.fromstring(render_state_diagram(states, edges, wrap=NARROW))
    drawn = root.find(f"{SVG}defs/{SVG}g")
    labels = []
    for group in drawn.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        if rect is not None:
            x, w = float(rect.get("x")), float(rect.get("width"))
            labels.append((x, x + w))
    cuts = []
    for band in root.findall(f"{SVG}svg"):
        left, _top, width, _h = map(float, band.get("viewBox").split())
        cuts += [left, left + width]
    for cut in cuts[1:-1]:
        assert not any(a < cut < b for a, b in labels), cut


def test_a_short_diagram_is_one_drawing_at_its_natural_size():
    states, edges = chain(3, "S")
    root = ET.fromstring(render_state_diagram(states, edges, wrap=WIDE))

    assert root.findall(f"{SVG}svg") == []
    assert len(root.get("viewBox").split()) == 4


def test_the_page_has_a_wide_and_a_narrow_diagram():
    html = process_diagram(Job, "working")

    assert html.count('class="diagram-wrap') == 2
    assert "d-none d-md-block" in html and "d-md-none" in html
    assert html.count('aria-current="step"') == 2
