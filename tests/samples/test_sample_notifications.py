"""What the people of sample production are told, in the words of the
department: the process and the step, in English and in Chinese."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.samples.kit import SampleOrderFactory
from workflows.models import Notification, NotificationSettings
from workflows.tasks import notify_step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_sample_room_is_told_of_a_work_order_in_its_own_language(advance, role_user):
    english = role_user("sample_room")
    NotificationSettings.objects.create(user=english, language="en")
    chinese = role_user("sample_room", "qa")  # chose nothing: the site's language
    record = advance(SampleOrderFactory(), "ordered")

    notify_step(ContentType.objects.get_for_model(record).pk, record.pk, record.step_seq)

    mine = Notification.objects.get(recipient=english)
    theirs = Notification.objects.get(recipient=chinese)
    name = f"{record.reference} {record.product_name} · {record.customer.name}"
    line, text = mine.render(NotificationSettings.language_of(english))
    assert line == f"{name} (Sample orders) is now “Work order issued”"
    assert "Due: " in text
    line, text = theirs.render(NotificationSettings.language_of(chinese))
    assert line == f"{name}（样品单）已进入“已下达工单”"
    assert "截止时间：" in text
