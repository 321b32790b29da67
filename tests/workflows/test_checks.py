"""System checks of the process declarations (workflows/checks.py).

Each broken model below is a small valid process with one declaration
spoiled; it is declared in an isolated app registry, so the project's own
registry never sees it (except in the ``manage.py check`` test, which
registers one for its duration).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps as project_apps
from django.apps.registry import Apps
from django.conf import settings
from django.core.checks import Error
from django.core.checks.registry import registry as check_registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models
from django.test.utils import isolate_apps
from django.utils.translation import gettext_lazy
from django_fsm import FSMField, transition

from workflows.calendar import WorkingDays
from workflows.checks import check_process_model, check_process_models
from workflows.conditions import all_signed
from workflows.declarations import (
    STEP_KEY,
    CurrentStep,
    Escalated,
    NotBy,
    Owner,
    OwnerOnly,
    Roles,
    SignOffStep,
    step,
)
from workflows.models import WorkflowModel
from workflows.registry import process_models

LABEL = "tests_checks"
FORM = "samples.forms.ReorderForm"
EFFECT = "samples.services.sample_start_next_round"


class State(models.TextChoices):
    OPEN = "open", "Open"
    REVIEW = "review", "Review"
    DONE = "done", "Done"


@dataclass
class Move:
    """A transition to declare on a test process under the attribute's name."""

    source: str | list[str]
    target: str | None
    conditions: list[Callable[..., bool]] = field(default_factory=list)
    custom: dict[str, Any] | None = None

    def method(self, name: str) -> Callable[..., None]:
        def take(self: Any, *, by: Any, data: dict[str, Any]) -> None:
            pass

        take.__name__ = take.__qualname__ = name
        decorate = transition(
            field="state",
            source=self.source,
            target=self.target,
            conditions=self.conditions,
            custom=self.custom,
        )
        return decorate(take)


def move(
    source: str | list[str],
    target: str | None,
    *,
    conditions: list[Callable[..., bool]] | None = None,
    custom: dict[str, Any] | None = None,
    undeclared: bool = False,
    **step_kwargs: Any,
) -> Move:
    if custom is None and not undeclared:
        step_kwargs.setdefault("label", "A step")
        step_kwargs.setdefault("roles", ["qa"])
        custom = step(**step_kwargs)
    return Move(source, target, conditions or [], custom)


def changed(declared: Any, **attrs: Any) -> Any:
    """A declaration whose attributes were changed after it was made, past the
    checks the dataclass makes when it is declared."""
    target = declared[STEP_KEY] if isinstance(declared, dict) else declared
    for name, value in attrs.items():
        object.__setattr__(target, name, value)
    return declared


def process(
    name: str = "Broken", *, app_label: str = LABEL, apps: Apps | None = None, **attrs: Any
) -> type[WorkflowModel]:
    """A valid process with a sign-off in ``review``; ``attrs`` replace its
    declarations (a ``Move`` replaces or adds a transition)."""
    meta: dict[str, Any] = {"app_label": app_label}
    if apps is not None:
        meta["apps"] = apps
    body: dict[str, Any] = {
        "__module__": __name__,
        "Meta": type("Meta", (WorkflowModel.Meta,), meta),
        "State": State,
        "state": FSMField(choices=State.choices, default=State.OPEN, protected=True),
        "owner": models.ForeignKey(
            settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
        ),
        "parent": models.ForeignKey("self", on_delete=models.PROTECT, null=True, related_name="+"),
        "due_date": models.DateField(null=True),
        "closes_at": models.DateTimeField(null=True),
        "note": models.CharField(max_length=20, blank=True),
        "owner_field": "owner",
        "final_states": frozenset({State.DONE}),
        "creator_roles": ("sales",),
        "initial_due": "due_date",
        "final_deadline_field": "closes_at",
        "subject_related": ("parent",),
        "sign_off_steps": {
            State.REVIEW: SignOffStep(roles=("qa", "finance"), on_refuse="send_back")
        },
        "submit": move(
            State.OPEN,
            State.REVIEW,
            roles=["sales"],
            form=FORM,
            effect=EFFECT,
            due="due_date",
            notify=["qa"],
            rule=OwnerOnly("owner"),
        ),
        "approve": move(
            State.REVIEW,
            State.DONE,
            conditions=[all_signed],
            roles=["marketing_manager"],
            rule=NotBy("created_by"),
        ),
        "send_back": move(State.REVIEW, State.OPEN, due=WorkingDays(1)),
        "remind": move(State.REVIEW, State.REVIEW, due=dt.timedelta(days=1), inbox=False),
        "cancel": move([State.OPEN, State.REVIEW], State.DONE, comment="required"),
    }
    body.update(attrs)
    for key, value in body.items():
        if isinstance(value, Move):
            body[key] = value.method(key)
    return type(name, (WorkflowModel,), body)


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    # Models declared in a test go to a registry of their own (their app
    # label is given in their Meta), which is dropped after the test.
    with isolate_apps():
        yield


def only_error(model: type[WorkflowModel]) -> Error:
    errors = check_process_model(model)
    assert len(errors) == 1, [str(e) for e in errors]
    (error,) = errors
    assert error.obj is model
    assert str(error).startswith(f"{LABEL}.Broken: ({error.id}) ")
    return error


def test_the_valid_test_process_passes() -> None:
    assert check_process_model(process()) == []


def test_a_process_with_every_kind_of_read_scope_and_its_managers_passes() -> None:
    declared = process(
        read_scope=Owner() | Owner("parent__owner") | Roles("qa") | CurrentStep() | Escalated(),
        manager_roles=("marketing_manager",),
        on_behalf_roles=("sales",),
    )

    assert check_process_model(declared) == []


BROKEN: list[tuple[str, dict[str, Any], str, list[str]]] = [
    # (case, declarations replaced, check id, what the message names)
    ("state is a CharField", {"state": models.CharField(max_length=20)}, "E001", ["'state'"]),
    ("state without choices", {"state": FSMField(default="open")}, "E001", ["'state'"]),
    (
        "transition without step()",
        {"send_back": move(State.REVIEW, State.OPEN, undeclared=True)},
        "E002",
        ["Transition 'send_back'", "custom=step(...)"],
    ),
    (
        "custom without the step",
        {"send_back": move(State.REVIEW, State.OPEN, custom={"label": "Back"})},
        "E002",
        ["Transition 'send_back'"],
    ),
    (
        "form missing from its module",
        {"submit": move(State.OPEN, State.REVIEW, form="samples.forms.NoSuchForm")},
        "E003",
        ["Step 'submit'", "'samples.forms.NoSuchForm'", "cannot be imported"],
    ),
    (
        "form module missing",
        {"submit": move(State.OPEN, State.REVIEW, form="samples.nowhere.Form")},
        "E003",
        ["Step 'submit'", "'samples.nowhere.Form'", "No module named 'samples.nowhere'"],
    ),
    (
        "form path names a function",
        {"submit": move(State.OPEN, State.REVIEW, form=EFFECT)},
        "E003",
        ["Step 'submit'", EFFECT, "not a form class"],
    ),
    (
        "effect missing from its module",
        {"submit": move(State.OPEN, State.REVIEW, effect="samples.services.no_such_effect")},
        "E004",
        ["Step 'submit'", "'samples.services.no_such_effect'", "cannot be imported"],
    ),
    (
        "effect module missing",
        {"submit": move(State.OPEN, State.REVIEW, effect="nowhere.effects.run")},
        "E004",
        ["Step 'submit'", "'nowhere.effects.run'", "No module named 'nowhere'"],
    ),
    (
        "effect is not callable",
        {"submit": move(State.OPEN, State.REVIEW, effect="django.forms.ALL_FIELDS")},
        "E004",
        ["Step 'submit'", "django.forms.ALL_FIELDS", "not callable"],
    ),
    (
        "step due names a text field",
        {"send_back": move(State.REVIEW, State.OPEN, due="note")},
        "E005",
        ["Step 'send_back'", "'note'", "not a date or datetime field"],
    ),
    (
        "step due names no field",
        {"send_back": move(State.REVIEW, State.OPEN, due="due_on")},
        "E005",
        ["Step 'send_back'", "'due_on'"],
    ),
    (
        "step due is a number",
        {"send_back": move(State.REVIEW, State.OPEN, due=3)},
        "E005",
        ["Step 'send_back'", "due is 3"],
    ),
    ("initial_due names a text field", {"initial_due": "note"}, "E006", ["initial_due", "'note'"]),
    ("initial_due names no field", {"initial_due": "start"}, "E006", ["initial_due", "'start'"]),
    (
        "owner_field names a text field",
        {"owner_field": "note"},
        "E007",
        ["owner_field 'note'", "user model"],
    ),
    (
        "owner_field names a foreign key to another model",
        {"owner_field": "parent"},
        "E007",
        ["owner_field 'parent'"],
    ),
    ("owner_field names no field", {"owner_field": "boss"}, "E007", ["owner_field 'boss'"]),
    (
        "final_deadline_field names a text field",
        {"final_deadline_field": "note"},
        "E008",
        ["final_deadline_field 'note'"],
    ),
    (
        "subject_related names a text field",
        {"subject_related": ("parent", "note")},
        "E009",
        ["subject_related ('parent', 'note')"],
    ),
    (
        "subject_related names no field",
        {"subject_related": ("customer",)},
        "E009",
        ["subject_related ('customer',)"],
    ),
    (
        "subject_related is a string",
        {"subject_related": "parent"},
        "E009",
        ["subject_related 'parent'", "tuple"],
    ),
    (
        "final state that is no state",
        {"final_states": frozenset({State.DONE, "closed"})},
        "E010",
        ["final_states", "['closed']"],
    ),
    (
        "sign-off in a state that does not exist",
        {
            "sign_off_steps": {
                State.REVIEW: SignOffStep(roles=("qa",)),
                "signing": SignOffStep(roles=("qa",)),
            }
        },
        "E011",
        ["Sign-off state 'signing'", "not a state"],
    ),
    (
        "sign-off that is not a SignOffStep",
        {"sign_off_steps": {State.REVIEW: ("qa", "finance")}},
        "E011",
        ["Sign-off state 'review'", "not a SignOffStep"],
    ),
    (
        "sign-off left without all_signed",
        {"approve": move(State.REVIEW, State.DONE)},
        "E012",
        ["Sign-off state 'review'", "all_signed"],
    ),
    (
        "sign-off whose only all_signed transition stays in it",
        {
            "approve": move(State.REVIEW, State.DONE),
            "remind": move(State.REVIEW, State.REVIEW, conditions=[all_signed]),
        },
        "E012",
        ["Sign-off state 'review'"],
    ),
    (
        "on_refuse names no transition",
        {"sign_off_steps": {State.REVIEW: SignOffStep(roles=("qa",), on_refuse="refuse")}},
        "E013",
        ["Sign-off state 'review'", "on_refuse 'refuse'", "'send_back'"],
    ),
    (
        "on_refuse names a transition from another state",
        {"sign_off_steps": {State.REVIEW: SignOffStep(roles=("qa",), on_refuse="submit")}},
        "E013",
        ["Sign-off state 'review'", "on_refuse 'submit'"],
    ),
    (
        "on_refuse names a transition that stays in the state",
        {"sign_off_steps": {State.REVIEW: SignOffStep(roles=("qa",), on_refuse="remind")}},
        "E013",
        ["Sign-off state 'review'", "on_refuse 'remind'"],
    ),
    (
        "on_complete names a transition not guarded by all_signed",
        {"sign_off_steps": {State.REVIEW: SignOffStep(roles=("qa",), on_complete="send_back")}},
        "E013",
        ["Sign-off state 'review'", "on_complete 'send_back'", "all_signed"],
    ),
    (
        "asked_field names no field of the model",
        {"sign_off_steps": {State.REVIEW: SignOffStep(roles=("qa",), asked_field="asked")}},
        "E013",
        ["Sign-off state 'review'", "asked_field 'asked'"],
    ),
    (
        "step role changed to an unknown one",
        {
            "send_back": move(
                State.REVIEW,
                State.OPEN,
                custom=changed(step(label="Back", roles=["qa"]), roles=("qa", "chef")),
            )
        },
        "E014",
        ["Step 'send_back'", "['chef'] in roles"],
    ),
    (
        "step notify changed to an unknown role",
        {
            "send_back": move(
                State.REVIEW,
                State.OPEN,
                custom=changed(step(label="Back", roles=["qa"]), notify=("board",)),
            )
        },
        "E014",
        ["Step 'send_back'", "['board'] in notify"],
    ),
    (
        "sign-off role changed to an unknown one",
        {
            "sign_off_steps": {
                State.REVIEW: changed(SignOffStep(roles=("qa",)), roles=("qa", "legal"))
            }
        },
        "E015",
        ["Sign-off state 'review'", "['legal']"],
    ),
    ("creator role unknown", {"creator_roles": ("sales", "intern")}, "E016", ["['intern']"]),
    ("creator_roles is a string", {"creator_roles": "sales"}, "E016", ["creator_roles 'sales'"]),
    ("creator_roles is a list", {"creator_roles": ["sales"]}, "E016", ["creator_roles ['sales']"]),
    (
        "OwnerOnly names a text field",
        {"submit": move(State.OPEN, State.REVIEW, rule=OwnerOnly("note"))},
        "E017",
        ["Step 'submit'", "OwnerOnly('note')"],
    ),
    (
        "NotBy names no field",
        {"approve": move(State.REVIEW, State.DONE, conditions=[all_signed], rule=NotBy("author"))},
        "E017",
        ["Step 'approve'", "NotBy('author')"],
    ),
    (
        "rule that is not a Rule",
        {"submit": move(State.OPEN, State.REVIEW, rule="owner")},
        "E017",
        ["Step 'submit'", "'owner'", "not a workflows.declarations.Rule"],
    ),
    (
        "read scope that is not a ReadScope",
        {"read_scope": "everyone"},
        "E019",
        ["read_scope 'everyone'", "not a workflows.declarations.ReadScope"],
    ),
    (
        "read scope role changed to an unknown one",
        {"read_scope": Owner() | changed(Roles("qa"), codes=("qa", "auditor")) | CurrentStep()},
        "E019",
        ["read_scope", "['auditor']"],
    ),
    (
        "read scope Owner names a text field",
        {"read_scope": Owner("note") | CurrentStep()},
        "E019",
        ["Owner('note')"],
    ),
    (
        "read scope Owner path ends at no user",
        {"read_scope": Owner("parent__note")},
        "E019",
        ["Owner('parent__note')"],
    ),
    ("manager role unknown", {"manager_roles": ("boss",)}, "E020", ["manager_roles", "['boss']"]),
    (
        "on_behalf_roles is a string",
        {"on_behalf_roles": "sales_assistant"},
        "E020",
        ["on_behalf_roles 'sales_assistant'"],
    ),
    (
        "on_behalf_roles names a role that does not create",
        {"on_behalf_roles": ("sales_assistant",)},
        "E020",
        ["on_behalf_roles", "['sales_assistant']", "not in creator_roles"],
    ),
    (
        "target that is no state",
        {"send_back": move(State.REVIEW, "reopened")},
        "E018",
        ["Step 'send_back'", "target 'reopened'"],
    ),
    (
        "source that is no state",
        {"cancel": move(["open", "paused"], State.DONE)},
        "E018",
        ["Step 'cancel'", "source 'paused'"],
    ),
    (
        "a step labelled like the dialog's buttons",
        {"cancel": move([State.OPEN, State.REVIEW], State.DONE, label="Cancel")},
        "E021",
        ["Step 'cancel'", "'cancel'", "Cancel the order"],
    ),
    (
        "a step labelled like the dialog's close button, in translation",
        {"cancel": move([State.OPEN, State.REVIEW], State.DONE, label=gettext_lazy("Close"))},
        "E021",
        ["Step 'cancel'", "'close'"],
    ),
]


@pytest.mark.parametrize(
    ("attrs", "check_id", "named"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_a_broken_declaration_is_one_error_naming_the_model_and_the_step(
    attrs: dict[str, Any], check_id: str, named: list[str]
) -> None:
    error = only_error(process(**attrs))
    assert error.id == f"workflows.{check_id}"
    for words in named:
        assert words in str(error)  # the message and its hint, as `check` prints them


def test_a_step_declared_for_several_sources_is_reported_once() -> None:
    model = process(cancel=move([State.OPEN, State.REVIEW], State.DONE, form="nowhere.Form"))
    assert len(model.transition_named("cancel")) == 2
    error = only_error(model)
    assert error.id == "workflows.E003"
    assert "Step 'cancel'" in error.msg


def test_each_mistake_of_a_model_is_reported() -> None:
    model = process(
        owner_field="note",
        final_states=frozenset({"closed"}),
        submit=move(State.OPEN, State.REVIEW, form="nowhere.Form", due="note"),
        approve=move(State.REVIEW, State.DONE),
    )
    ids = sorted(e.id for e in check_process_model(model))
    assert ids == [f"workflows.{n}" for n in ("E003", "E005", "E007", "E010", "E012")]


def test_the_projects_process_models_pass() -> None:
    labels = {model._meta.label for model in process_models()}
    assert {"samples.SampleOrder", "samples.Board", "proposals.Proposal"} <= labels
    for model in process_models():
        assert check_process_model(model) == [], model._meta.label
    assert check_process_models() == []
    call_command("check", verbosity=0)


def test_the_check_is_registered_with_the_models_tag() -> None:
    assert check_process_models in check_registry.get_checks()
    assert "models" in check_process_models.tags


@contextmanager
def declared_in_project(name: str, **attrs: Any) -> Iterator[type[WorkflowModel]]:
    """A test process in the project's own app registry (app ``workflows``),
    where ``manage.py check`` finds it, until the block ends."""
    model = process(name, app_label="workflows", apps=project_apps, **attrs)
    try:
        yield model
    finally:
        del project_apps.all_models["workflows"][model._meta.model_name]
        project_apps.clear_cache()


def test_manage_py_check_fails_on_a_misdeclared_process() -> None:
    broken_form = move(State.OPEN, State.REVIEW, form="samples.forms.NoSuchForm")
    with declared_in_project("MisdeclaredProcess", submit=broken_form) as model:
        assert model in process_models()
        with pytest.raises(SystemCheckError) as raised:
            call_command("check", verbosity=0)
        assert (
            "workflows.MisdeclaredProcess: (workflows.E003) Step 'submit': form "
            "'samples.forms.NoSuchForm' cannot be imported" in str(raised.value)
        )
        # Only the apps asked for are checked.
        call_command("check", "samples", verbosity=0)
        errors = check_process_models([project_apps.get_app_config("workflows")])
        assert [e.id for e in errors] == ["workflows.E003"]
    assert model not in process_models()
    call_command("check", verbosity=0)
