"""Login protection (django-axes): five wrong passwords for one username from one
address lock that pair out for 15 minutes, on the site's and the admin's login; other
users at the same address and the same user elsewhere are not locked; an
administrator unlocks in the admin; failures and lockouts are logged."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Right-horse-battery-2026"
SITE = reverse("login")
ADMIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person(username: str, **extra):
    user = UserFactory(username=username, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(url: str, username: str, password: str, address: str = "127.0.0.1", **headers):
    client = Client(REMOTE_ADDR=address, headers={"accept-language": "en", **headers})
    data = {"username": username, "password": password}
    if url == ADMIN:
        data["next"] = reverse("admin:index")
    return client, client.post(url, data)


def fail(url: str, username: str, times: int, address: str = "127.0.0.1", **headers) -> list:
    return [attempt(url, username, "wrong", address, **headers)[1] for _ in range(times)]


@pytest.mark.parametrize("url", [SITE, ADMIN])
def test_five_failures_lock_the_user_out_even_with_the_right_password(url, caplog):
    person("lin", is_staff=True)

    with caplog.at_level(logging.WARNING, logger="axes"):
        responses = fail(url, "lin", 5)
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]

    assert [r.status_code for r in responses[:4]] == [200] * 4  # the form, with its error
    assert responses[4].status_code == 429
    client, response = attempt(url, "lin", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    body = response.content.decode()
    assert 'data-testid="lockout"' in body
    assert "The password was wrong 5 times in a row" in body
    assert "Try again in 15 minutes, after" in body
    failures = [m for m in logged if "login failure by" in m]
    lockouts = [m for m in logged if "Locking out" in m]
    assert len(failures) == 5 and len(lockouts) == 1
    assert 'username: "lin"' in lockouts[0] and 'ip_address: "127.0.0.1"' in lockouts[0]
    assert "wrong" not in " ".join(failures)  # the password is never logged


def test_the_lockout_page_says_when_to_try_again_in_chinese():
    person("lin")
    fail(SITE, "lin", 5)
    earliest = timezone.localtime() + dt.timedelta(minutes=15)

    client = Client(headers={"accept-language": "zh-hans"})
    response = client.post(SITE, {"username": "lin", "password": PASSWORD})
    latest = timezone.localtime() + dt.timedelta(minutes=15)

    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body
    assert "请在 15 分钟后" in body
    assert earliest.strftime("%H:%M") in body or latest.strftime("%H:%M") in body


@pytest.mark.parametrize("url", [SITE, ADMIN])
def test_another_user_at_the_same_address_and_the_same_user_elsewhere_still_log_in(url):
    person("lin", is_staff=True)
    person("wang", is_staff=True)
    fail(url, "lin", 5)

    colleague, response = attempt(url, "wang", PASSWORD)
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"]

    elsewhere, response = attempt(url, "lin", PASSWORD, address="10.20.30.40")
    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"]


def test_fewer_than_five_failures_then_the_right_password_logs_in_and_resets_the_count():
    person("lin")
    fail(SITE, "lin", 4)

    _, response = attempt(SITE, "lin", PASSWORD)

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="lin").exists()
    fail(SITE, "lin", 4)  # four more are allowed again
    assert attempt(SITE, "lin", PASSWORD)[1].status_code == 302


def test_the_address_behind_the_proxy_counts_not_the_proxys():
    person("lin")
    fail(SITE, "lin", 5, **{"x-real-ip": "203.0.113.5"})

    assert attempt(SITE, "lin", PASSWORD, **{"x-real-ip": "203.0.113.5"})[1].status_code == 429
    assert attempt(SITE, "lin", PASSWORD, **{"x-real-ip": "203.0.113.6"})[1].status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_a_client_that_is_not_the_proxy_cannot_choose_its_address():
    person("lin")
    fail(SITE, "lin", 5, address="198.51.100.7", **{"x-real-ip": "203.0.113.5"})

    other_header = {"x-real-ip": "203.0.113.99"}
    assert attempt(SITE, "lin", PASSWORD, "198.51.100.7", **other_header)[1].status_code == 429
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


@pytest.mark.parametrize("url", [SITE, ADMIN])
def test_an_administrator_unlocks_the_user_in_the_admin(url, client_for, django_user_model):
    person("lin", is_staff=True)
    fail(url, "lin", 5)
    assert attempt(url, "lin", PASSWORD)[1].status_code == 429
    locked = AccessAttempt.objects.get(username="lin")
    admin = django_user_model.objects.create_superuser("root", "root@example.com", None)
    client = client_for(admin)

    listing = client.get(reverse("admin:axes_accessattempt_changelist"), {"locked_out": "yes"})
    assert listing.status_code == 200
    assert "lin" in listing.content.decode()
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlocked, response = attempt(url, "lin", PASSWORD)
    assert response.status_code == 302
    lin = django_user_model.objects.get(username="lin")
    assert unlocked.session["_auth_user_id"] == str(lin.pk)
