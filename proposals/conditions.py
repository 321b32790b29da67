from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Proposal


def draft_complete(record: Proposal) -> bool:
    """The report being written has every required section."""
    draft = record.current_draft()
    return draft is not None and not draft.missing_sections()


draft_complete.message = _(  # type: ignore[attr-defined]
    "The report needs every section filled in before it is submitted."
)
