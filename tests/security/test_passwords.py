"""Every user changes their own password, and resets a forgotten one by email; the
pages are the application's, in Chinese and English, linked from the user menu and
the login page."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "Old-password-of-lin-2026"
NEW = "New-password-of-lin-2027"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://marketing.example.com"


@pytest.fixture
def lin():
    user = UserFactory(username="lin", email="lin@example.com", roles=["sales"])
    user.set_password(OLD)
    user.save()
    return user


def logs_in(password: str, username: str = "lin") -> bool:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_the_user_menu_and_the_login_page_link_to_the_password_pages(lin, client_for):
    inbox = client_for(lin).get(reverse("workflows:inbox")).content.decode()
    assert f'href="{reverse("password_change")}" data-testid="password-change"' in inbox
    login = client_for(None).get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}" data-testid="forgot-password"' in login


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Change my password"), ("zh-hans", "修改密码")]
)
def test_a_user_without_staff_rights_changes_their_password(language, title, lin, client_for):
    client = client_for(lin, language=language)

    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert title in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    done = client.get(response.url)
    assert 'data-testid="password-changed"' in done.content.decode()
    assert client.get(reverse("workflows:inbox")).status_code == 200  # still logged in
    assert logs_in(NEW) and not logs_in(OLD)


def test_a_wrong_old_password_changes_nothing(lin, client_for):
    response = client_for(lin).post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert logs_in(OLD) and not logs_in(NEW)


def test_the_password_pages_need_a_login(client_for):
    response = client_for(None).get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("language", "subject"), [("en", "Choose a new password"), ("zh-hans", "设置新密码")]
)
def test_a_forgotten_password_is_reset_through_the_link_in_the_email(language, subject, lin):
    client = Client(headers={"accept-language": language})

    response = client.post(reverse("password_reset"), {"email": "LIN@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert 'data-testid="password-reset-sent"' in client.get(response.url).content.decode()
    (email,) = mail.outbox
    assert email.to == ["lin@example.com"]
    assert email.subject == subject
    link = re.search(r"https://marketing\.example\.com(/accounts/password/reset/\S+/)", email.body)
    assert link, email.body

    form = client.get(link[1], follow=True)  # Django swaps the token for a session key
    assert 'data-testid="password-reset-confirm-form"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    assert 'data-testid="password-reset-complete"' in client.get(done.url).content.decode()
    assert logs_in(NEW) and not logs_in(OLD)
    again = client.get(link[1], follow=True)  # the link works once
    assert 'data-testid="password-reset-invalid"' in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(lin):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_reset_lifts_the_lockout_of_the_user(lin):
    for _ in range(5):
        Client().post(reverse("login"), {"username": "lin", "password": "wrong"})
    assert not logs_in(OLD)
    assert AccessAttempt.objects.filter(username="lin").exists()

    client = Client()
    client.post(reverse("password_reset"), {"email": "lin@example.com"})
    link = re.search(r"https://\S+?(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert not AccessAttempt.objects.filter(username="lin").exists()
    assert logs_in(NEW)
