"""URL patterns every process model gets from its declarations."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.views import View

from .models import WorkflowModel
from .views import WorkflowCreateView, WorkflowDetailView, WorkflowListView, WorkflowPrintView
from .views.lists import SavedFilterView


def workflow_urls(
    model_name: str,
    *,
    list_view: type[View],
    detail_view: type[View],
    create_view: type[View] | None = None,
    print_view: type[View] | None = None,
    prefix: str = "",
    initkwargs: dict | None = None,
) -> list[URLPattern]:
    """``<prefix>``: list; ``new/``; ``<pk>/``; ``<pk>/print/``; ``<pk>/step/<name>/``,
    ``<pk>/sign/`` and ``<pk>/attach/`` (POST only), named ``<model>_list`` and so on;
    ``export.<csv|xlsx>`` (the list's rows, by the list view), ``filters/`` and
    ``filters/<id>/delete/`` (saved filters, POST only). ``initkwargs`` go to
    every view's ``as_view``; the saved filters' view takes ``model`` from them
    or from the list view."""
    kw = initkwargs or {}
    detail = detail_view.as_view(**kw)
    listing = list_view.as_view(**kw)
    saved = SavedFilterView.as_view(model=kw.get("model") or list_view.model)
    patterns = [
        path(f"{prefix}", listing, name=f"{model_name}_list"),
        path(f"{prefix}export.<str:fmt>", listing, name=f"{model_name}_export"),
        path(f"{prefix}filters/", saved, name=f"{model_name}_filters"),
        path(f"{prefix}filters/<int:saved>/delete/", saved, name=f"{model_name}_filter_delete"),
        path(f"{prefix}<int:pk>/", detail, name=f"{model_name}_detail"),
        path(
            f"{prefix}<int:pk>/step/<str:name>/",
            detail,
            {"action": "step"},
            name=f"{model_name}_step",
        ),
        path(f"{prefix}<int:pk>/sign/", detail, {"action": "sign"}, name=f"{model_name}_sign"),
        path(
            f"{prefix}<int:pk>/attach/", detail, {"action": "attach"}, name=f"{model_name}_attach"
        ),
    ]
    if print_view is not None:
        patterns.append(
            path(f"{prefix}<int:pk>/print/", print_view.as_view(**kw), name=f"{model_name}_print")
        )
    if create_view is not None:
        patterns.append(
            path(f"{prefix}new/", create_view.as_view(**kw), name=f"{model_name}_create")
        )
    return patterns


def process_urls(*models: type[WorkflowModel]) -> list[URLPattern]:
    """Every page of each model, from one call in its app's ``urls.py``:
    ``urlpatterns = process_urls(SampleOrder, Board)``.

    The first model's pages sit at the app's root, the others' under
    ``<model_name>s/`` (or the model's ``url_prefix``). A model without a
    ``create_form`` gets no creation page.
    """
    patterns: list[URLPattern] = []
    for i, model in enumerate(models):
        prefix = model.url_prefix
        if prefix is None:
            prefix = "" if i == 0 else f"{model._meta.model_name}s/"
        patterns += workflow_urls(
            model._meta.model_name,
            list_view=WorkflowListView,
            detail_view=WorkflowDetailView,
            create_view=WorkflowCreateView if model.create_form is not None else None,
            print_view=WorkflowPrintView,
            prefix=prefix,
            initkwargs={"model": model},
        )
    return patterns
