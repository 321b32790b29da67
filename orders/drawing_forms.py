"""Forms of customer-supplied drawings and products (客户来图 / 来样): an item
registered by the sales assistant, QA's inspection and storage, and a new
version of a drawing. Files go through the engine's upload checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.uploads import UploadValidator

from .models import CustomerSupply, SuppliedItem

_item = SuppliedItem._meta


def _file_field() -> forms.FileField:
    return forms.FileField(
        label=_("drawing file"),
        required=False,
        validators=[UploadValidator()],
        max_length=255,
        help_text=_("PDF, image or Office document (a scan of the drawing)."),
    )


class ItemForm(forms.ModelForm):
    """A drawing (number, version, copies) or product (part number,
    quantity) the customer provided, with its confidentiality and, for a
    drawing, its file."""

    kind = forms.ChoiceField(
        label=_item.get_field("kind").verbose_name, choices=SuppliedItem.Kind.choices
    )
    number = forms.CharField(label=_item.get_field("number").verbose_name, max_length=60)
    title = forms.CharField(label=_item.get_field("title").verbose_name, max_length=200)
    version = forms.CharField(
        label=_item.get_field("version").verbose_name, max_length=20, required=False
    )
    quantity = forms.IntegerField(
        label=_item.get_field("quantity").verbose_name, min_value=1, max_value=100000, initial=1
    )
    confidentiality = forms.ChoiceField(
        label=_item.get_field("confidentiality").verbose_name,
        choices=SuppliedItem.Confidentiality.choices,
        initial=SuppliedItem.Confidentiality.NORMAL,
    )
    file = _file_field()

    class Meta:
        model = CustomerSupply
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == SuppliedItem.Kind.DRAWING and not data.get("version"):
            self.add_error("version", _("A drawing is registered with its version."))
        if data.get("kind") == SuppliedItem.Kind.PRODUCT and data.get("file"):
            self.add_error("file", _("Only a drawing has a file; register the product alone."))
        return data


class InspectionForm(forms.ModelForm):
    """QA's inspection of the products waiting, and where they are stored."""

    inspection_result = forms.CharField(
        label=_("inspection result"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    storage_location = forms.CharField(label=_("stored at"), max_length=100)

    class Meta:
        model = CustomerSupply
        fields: list[str] = []


class NewVersionForm(forms.ModelForm):
    """A new version of one of the drawings in use, with its file."""

    drawing = forms.ModelChoiceField(
        label=_("drawing superseded"), queryset=SuppliedItem.objects.none()
    )
    version = forms.CharField(label=_("new version"), max_length=20)
    file = _file_field()

    class Meta:
        model = CustomerSupply
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["drawing"].queryset = self.instance.items.filter(
                kind=SuppliedItem.Kind.DRAWING, superseded_by__isnull=True
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        drawing, version = data.get("drawing"), data.get("version")
        if drawing is not None and version and version.strip() == drawing.version:
            self.add_error("version", _("This is the version in use: enter the new one."))
        return data
