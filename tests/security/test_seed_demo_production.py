"""seed_demo makes users with one shared password: never under the production
settings unless told, and even then with a password of the operator's and no
superuser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_refused_under_the_production_settings_without_the_flag(settings):
    settings.PRODUCTION = True
    settings.DEMO_PASSWORD = "An-own-trial-password-2026"

    with pytest.raises(CommandError, match="does not run under the production settings"):
        call_command("seed_demo")

    assert not get_user_model().objects.exists()


def test_refused_with_the_flag_while_the_password_is_the_readmes(settings):
    settings.PRODUCTION = True
    settings.DEMO_PASSWORD = "marketing2026"

    with pytest.raises(CommandError, match="set DEMO_PASSWORD"):
        call_command("seed_demo", "--allow-production")

    assert not get_user_model().objects.exists()


def test_with_the_flag_it_makes_the_role_users_and_no_superuser(settings, capsys):
    settings.PRODUCTION = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_PASSWORD = "An-own-trial-password-2026"

    call_command("seed_demo", "--allow-production")

    users = get_user_model().objects
    assert not users.filter(is_superuser=True).exists()
    assert not users.filter(username="admin").exists()
    assert users.get(username="sales").check_password("An-own-trial-password-2026")
    assert "createsuperuser" in capsys.readouterr().out


def test_in_development_it_still_makes_the_admin(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(settings.DEMO_PASSWORD)
