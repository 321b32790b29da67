import django.core.validators
import django.db.models.deletion
import django_fsm
from decimal import Decimal
from django.db import migrations, models

import workflows.validators

STATES = [
    ("drafted", "Drafted"),
    ("manager_review", "Marketing manager's review"),
    ("re_review", "Contract re-review"),
    ("customer", "Customer's confirmation"),
    ("downstream_ack", "Applied; downstream acknowledging"),
    ("applied", "Applied"),
    ("refused", "Refused"),
    ("withdrawn", "Withdrawn"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0010_return_complaint"),
    ]

    operations = [
        migrations.AddField(
            model_name="contractchange",
            name="ack_roles",
            field=models.CharField(
                blank=True, editable=False, max_length=100, verbose_name="departments acknowledging"
            ),
        ),
        migrations.AddField(
            model_name="historicalcontractchange",
            name="ack_roles",
            field=models.CharField(
                blank=True, editable=False, max_length=100, verbose_name="departments acknowledging"
            ),
        ),
        migrations.AlterField(
            model_name="contractchange",
            name="state",
            field=django_fsm.FSMField(
                choices=STATES, default="drafted", max_length=40, protected=True, verbose_name="state"
            ),
        ),
        migrations.AlterField(
            model_name="historicalcontractchange",
            name="state",
            field=django_fsm.FSMField(
                choices=STATES, default="drafted", max_length=40, protected=True, verbose_name="state"
            ),
        ),
        migrations.CreateModel(
            name="ChangeBatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "delivery_date",
                    models.DateField(
                        validators=[workflows.validators.DateFloor(), workflows.validators.FutureLimit()],
                        verbose_name="delivery date",
                    ),
                ),
                (
                    "quantity",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=11,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0.01")),
                            django.core.validators.MaxValueValidator(Decimal("999999999.99")),
                        ],
                        verbose_name="quantity",
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="batches",
                        to="orders.changeline",
                        verbose_name="proposed line",
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery batch",
                "verbose_name_plural": "delivery batches",
                "ordering": ["line", "delivery_date", "pk"],
            },
        ),
    ]
