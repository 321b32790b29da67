"""What a process's tests supply to the contract suite (``tests/contract``): a
``ProcessKit`` per process model, defined in the app's ``tests/<app>/kit.py``
as ``KITS``. The kits are found by looking for those files, so no shared
file names an app: a new process brings its kit and is tested like every
other.

A kit gives the model's factory, valid form data for its steps (keyed by
model and step), what its steps change beyond their form, what a refused
request must also leave unchanged, and how to build a crowd of records for
the query bounds. The rest comes from the declarations.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django_fsm_log.models import StateLog

from workflows.models import Attachment, Notification, Outbox, SignOff, WorkflowModel
from workflows.registry import process_models
from workflows.walker import Walker

TESTS = Path(__file__).resolve().parent

StepKey = tuple[type[WorkflowModel], str]


class Crowd(NamedTuple):
    """Records waiting for one user: ``actions`` are the steps the user sees
    on each record's page."""

    user: Any
    records: list[Any]
    actions: list[str]


def _nothing(*args: Any) -> tuple[()]:
    return ()


@dataclass(frozen=True)
class ProcessKit:
    model: type[WorkflowModel]
    # ``factory(state=..., **fields)``: a record saved through ``record_start``.
    factory: Callable[..., Any]
    # ``crowd(n, role_user)``: ``n`` records waiting for one user, for the
    # query bounds.
    crowd: Callable[[int, Callable[..., Any]], Crowd]
    # The most queries each page ("list", "inbox", "record") may make, whatever
    # the size of the crowd.
    max_queries: Mapping[str, int]
    # Valid form data of a step, keyed by (model, step name); a step not listed
    # needs none but a comment.
    step_data: Mapping[StepKey, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    # What a refused request must also leave unchanged, beyond what the engine
    # keeps for every record (``snapshot``).
    snapshot: Callable[[Any], tuple[Any, ...]] = _nothing
    # What a step does to the record beyond saving its form's fields:
    # ``effects[name](record, user)`` is true once the step was taken.
    effects: Mapping[str, Callable[[Any, Any], Any]] = field(default_factory=dict)
    # Writes what the step ``name`` waits for (other than signatures) before it
    # is taken: ``prepare(record, name)``.
    prepare: Callable[[Any, str], None] | None = None
    # Step data that keeps within a final deadline on ``day``:
    # ``within_final_deadline(name, day)``.
    within_final_deadline: Callable[[str, dt.date], dict[str, Any]] = lambda name, day: {}
    # What the list page shows of a record besides its reference.
    list_texts: Callable[[Any], list[str]] = lambda record: []
    # Valid data of the creation form (as posted) opening a record owned by
    # ``owner``: ``create_data(owner)``; None for a process without one.
    create_data: Callable[[Any], dict[str, Any]] | None = None

    def __str__(self) -> str:
        return self.model.__name__


@cache
def kits() -> tuple[ProcessKit, ...]:
    """Every kit of ``tests/*/kit.py``, in the order of the process models."""
    found: dict[type[WorkflowModel], ProcessKit] = {}
    for path in sorted(TESTS.glob("*/kit.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.kit")
        for kit in module.KITS:
            if kit.model in found:
                raise LookupError(f"two kits for {kit.model.__name__}")
            found[kit.model] = kit
    order = {model: i for i, model in enumerate(process_models())}
    return tuple(sorted(found.values(), key=lambda k: order.get(k.model, len(order))))


def kit_for(model: type[WorkflowModel] | WorkflowModel) -> ProcessKit:
    model = model if isinstance(model, type) else type(model)
    for kit in kits():
        if kit.model is model:
            return kit
    raise LookupError(f"no kit for {model.__name__}: add one to tests/<app>/kit.py")


def _model(of: type[WorkflowModel] | WorkflowModel) -> type[WorkflowModel]:
    return of if isinstance(of, type) else type(of)


# --- Form data of a step ----------------------------------------------------------------


def step_data(
    model: type[WorkflowModel] | WorkflowModel, name: str, **overrides: Any
) -> dict[str, Any]:
    """Valid data (Python values) for the step ``name`` of the model, with a comment."""
    model = _model(model)
    model.step_of(name)  # a step the model declares
    fields = kit_for(model).step_data.get((model, name), dict)
    data = {**fields(), "comment": f"Comment on {name}"}
    data.update(overrides)
    return data


def post_data(
    model: type[WorkflowModel] | WorkflowModel,
    name: str,
    *,
    seq: int | None,
    prefixed: bool = False,
    **overrides: Any,
) -> dict[str, str]:
    """``step_data`` as a browser posts it: strings, the page's ``_seq``, and
    optionally with the form's "<step>-" prefix."""
    out: dict[str, str] = {}
    for key, value in step_data(model, name, **overrides).items():
        if value is None:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[f"{name}-{key}" if prefixed else key] = str(value)
    if seq is not None:
        out["_seq"] = str(seq)
    return out


# --- Walking records --------------------------------------------------------------------


def _data_for(model: type[WorkflowModel], name: str) -> dict[str, Any]:
    return step_data(model, name)


def _prepare(record: WorkflowModel, name: str) -> None:
    prepare = kit_for(record).prepare
    if prepare is not None:
        prepare(record, name)


def walker(user_for: Callable[[str], Any], another: Callable[[str, Any], Any]) -> Walker:
    """The engine's walker with the kits' step data and preparations: each step
    gets the kit's valid data and a comment, each department signs with one."""
    return Walker(
        user_for=user_for,
        another=another,
        data_for=_data_for,
        prepare=_prepare,
        sign_comment=lambda role: f"{role} got it",
    )


def ready(
    model: type[WorkflowModel], transition: Any, walker: Walker, **fields: Any
) -> WorkflowModel:
    """A record built directly in the transition's source state, with what the
    step waits for done (the kit's preparation, every signature)."""
    record = kit_for(model).factory(state=transition.source, **fields)
    return walker.ready(record, transition.name)


# --- What a refused request leaves as it was --------------------------------------------


def _counts(record: WorkflowModel) -> tuple[int, ...]:
    """The rows a refused request could have added, counted in one query (the
    snapshot is taken twice in most of the suite's cases): the record's audit
    entries, every sign-off, attachment, outbox entry and notification, and
    the records of every process."""
    ct = ContentType.objects.get_for_model(record)
    quote = connection.ops.quote_name
    log = quote(StateLog._meta.db_table)
    counted = [
        f"(SELECT COUNT(*) FROM {log} WHERE content_type_id = %s AND object_id = %s)",
        *(
            f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})"
            for model in (SignOff, Attachment, Outbox, Notification, *process_models())
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(counted), [ct.pk, record.pk])
        return tuple(cursor.fetchone())


def snapshot(record: WorkflowModel) -> tuple[Any, ...]:
    """Everything a refused request must leave unchanged: the record's state,
    step and deadline, its audit trail, every sign-off and attachment, what
    was queued and told, the number of records of every process, and what the
    record's kit adds. Starts with the state and the step number."""
    model = type(record)
    fresh = model.objects.get(pk=record.pk)
    return (
        fresh.state,
        fresh.step_seq,
        fresh.step_due_at,
        *_counts(fresh),
        *kit_for(model).snapshot(fresh),
    )
