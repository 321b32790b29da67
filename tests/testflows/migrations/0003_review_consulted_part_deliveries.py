import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import workflows.validators


class Migration(migrations.Migration):

    dependencies = [
        ("testflows", "0002_job_revisions_and_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="consulted",
            field=models.CharField(blank=True, editable=False, max_length=60, verbose_name="consulted"),
        ),
        migrations.AddField(
            model_name="historicalreview",
            name="consulted",
            field=models.CharField(blank=True, editable=False, max_length=60, verbose_name="consulted"),
        ),
        migrations.CreateModel(
            name="PartDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "due_on",
                    models.DateField(
                        validators=[workflows.validators.DateFloor(), workflows.validators.FutureLimit()],
                        verbose_name="due on",
                    ),
                ),
                (
                    "quantity",
                    models.PositiveIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(10000),
                        ],
                        verbose_name="quantity",
                    ),
                ),
                (
                    "part",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="testflows.jobpart",
                        verbose_name="part",
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery",
                "verbose_name_plural": "deliveries",
                "ordering": ("part", "due_on", "pk"),
            },
        ),
    ]
