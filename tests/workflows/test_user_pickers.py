"""Every user picker shows people by their full name, with the username only
as a hint ("王芳（sales）"), and the username alone for a user without a full
name: the engine's step and creation forms, the list filters, and the admin's
pickers and owner filter all label people with ``user_label``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows.declarations import form_fields, step
from workflows.filters import field_filter, filterset_for
from workflows.forms import create_form_class, model_form_class, transition_form
from workflows.roles import user_label

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    return {
        "fang": UserFactory(username="wfang", first_name="Fang", last_name="Wang", roles=["sales"]),
        "bare": UserFactory(username="lin", first_name="", last_name="", roles=["sales"]),
    }


def labels(field: forms.ModelChoiceField) -> dict[int, str]:
    return {int(value.value): label for value, label in field.choices if value}


def test_a_person_is_their_full_name_with_the_username_as_a_hint(people):
    assert user_label(people["fang"]) == "Fang Wang (wfang)"
    assert user_label(people["bare"]) == "lin"


def test_in_chinese_the_hint_is_in_full_width_brackets():
    user = UserFactory(username="sales", first_name="王芳", last_name="")

    with translation.override("zh-hans"):
        label = user_label(user)

    assert label == "王芳（sales）"
    assert "(" not in label


def test_a_full_name_that_is_the_username_is_not_repeated():
    assert user_label(UserFactory(username="qa", first_name="qa", last_name="")) == "qa"


def test_the_creation_forms_owner_picker(people):
    field = create_form_class(Job)().fields["requester"]

    assert labels(field) == {people["fang"].pk: "Fang Wang (wfang)", people["bare"].pk: "lin"}


def test_a_steps_user_field_built_from_the_models_fields(people):
    form = model_form_class(Job, form_fields(["requester"]))(instance=JobFactory())

    assert labels(form.fields["requester"])[people["fang"].pk] == "Fang Wang (wfang)"


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("username"))


def test_a_steps_form_of_its_own_with_a_user_field(people):
    hand_over = step(label="Hand over", roles=["sales"], form=HandOverForm)["workflow_step"]

    form = transition_form(hand_over, None)

    assert labels(form.fields["to"])[people["fang"].pk] == "Fang Wang (wfang)"
    assert labels(form.fields["to"])[people["bare"].pk] == "lin"


def test_the_lists_owner_filter_and_a_user_field_filter(people, role_user, client_for):
    response = client_for(role_user("qa")).get(reverse("testflows:job_list"))

    owner = response.context["filter"].form.fields["requester"]
    assert labels(owner) == {people["fang"].pk: "Fang Wang (wfang)", people["bare"].pk: "lin"}
    html = response.content.decode()
    assert f'<option value="{people["fang"].pk}">Fang Wang (wfang)</option>' in html
    planner = field_filter(Job, "planner").field
    assert labels(planner)[people["fang"].pk] == "Fang Wang (wfang)"
    assert str(planner.empty_label) == "Anyone"
    assert filterset_for(Job).base_filters["requester"].field_class is type(owner)


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_admins_user_picker_on_a_record(people, superuser, client_for):
    record = JobFactory(requester=people["fang"])

    html = (
        client_for(superuser)
        .get(reverse("admin:testflows_job_change", args=[record.pk]))
        .content.decode()
    )

    assert re.search(
        rf'<option value="{people["fang"].pk}" selected>Fang Wang \(wfang\)</option>', html
    )
    assert f'<option value="{people["bare"].pk}">lin</option>' in html


def test_the_admins_owner_filter_offers_the_owner_roles_members_by_name(
    people, superuser, client_for
):
    JobFactory(requester=people["fang"])
    UserFactory(username="qa1", first_name="Qiang", last_name="Li", roles=["qa"])

    response = client_for(superuser).get(reverse("admin:testflows_job_changelist"))

    html = response.content.decode()
    assert "Fang Wang (wfang)" in html
    assert "Qiang Li" not in html  # not a requester's role
    (owner,) = [f for f in response.context["cl"].filter_specs if f.title == "requester"]
    assert dict(owner.lookup_choices) == {
        people["fang"].pk: "Fang Wang (wfang)",
        people["bare"].pk: "lin",
    }


def test_the_admins_escalation_rule_picks_a_manager_by_name(people, superuser, client_for):
    html = client_for(superuser).get(reverse("admin:workflows_escalationrule_add")).content
    html = html.decode()

    assert f'<option value="{people["fang"].pk}">Fang Wang (wfang)</option>' in html
