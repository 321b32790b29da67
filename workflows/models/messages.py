"""What is sent about records, each under a unique key so that it is sent
once: in-app notifications (and their emails), deadline reminders,
escalations to a role's manager, daily digests and scheduled runs; and the
outbox that carries work to the workers when the broker is away."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ..roles import ROLE_CHOICES, role_label

# A moment to the minute in the site's time zone, as the templates' "Y-m-d H:i".
MINUTE = "%Y-%m-%d %H:%M"


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template (a notification, an email) rendered without
    HTML escaping: a comment with ``&``, ``<`` or quotes reads as written.
    A page that shows the text escapes it as it shows any other."""
    template = get_template(template_name)
    return template.template.render(Context(context, autoescape=False))


def in_language(value: Any, language: str) -> str:
    """``value`` as stored for every language (``{"en": ..., "zh-hans": ...}``)
    in ``language``, else the site's, else any; a plain string as it is."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    for code in (language, settings.LANGUAGE_CODE):
        if code in value:
            return str(value[code])
    return str(next(iter(value.values()), ""))


class Notification(models.Model):
    """An in-app message; ``key`` makes sending it twice impossible.

    It is stored as a message key, ``template`` (a plain-text template whose
    first line is the notification and whole text its email), and its
    ``params`` (what the text says of the record, in no language: the
    reference, the subject, the state's value, the deadline...), and
    rendered when it is read, in the reader's language of the moment
    (``render``). Rows made before keys were stored have only their text,
    ``message`` and ``body``, in the language they were written in.

    ``email_pending`` marks one whose email is still to go (the recipient
    wants immediate emails); it is cleared when the email has gone, so a
    worker that died before sending leaves it for the next delivery run.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True)
    object_id = models.PositiveBigIntegerField(null=True)
    record = GenericForeignKey("content_type", "object_id")
    template = models.CharField(_("message key"), max_length=100, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The text of rows made before ``template`` and ``params``; empty since.
    message = models.CharField(_("message"), max_length=500, blank=True)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_pending = models.BooleanField(_("email to send"), default=False)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The notifications page: a user's newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_recipient_new"
            ),
            # The emails still to send, in the order delivery takes them
            # (``notify.email.emails_send``: email_pending, ORDER BY id).
            models.Index(
                fields=["id"],
                condition=Q(email_pending=True),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.line

    def render(self, language: str | None = None) -> tuple[str, str]:
        """(first line, whole text) in ``language``, by default the active
        one; the stored text for a row made before message keys."""
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        cache = self.__dict__.setdefault("_texts", {})
        if language not in cache:
            text = ""
            if self.template:
                try:
                    with translation.override(language):
                        text = render_text(self.template, self.text_context(language)).strip()
                except (LookupError, TemplateDoesNotExist):
                    text = ""  # a process or template since removed: the stored text
            if text:
                cache[language] = (text.splitlines()[0][:500], text)
            else:
                cache[language] = (self.message, self.body or self.message)
        return cache[language]

    @property
    def line(self) -> str:
        """The notification in a line, in the active language."""
        return self.render()[0]

    @property
    def text(self) -> str:
        """The whole text (the email's body), in the active language."""
        return self.render()[1]

    def text_context(self, language: str) -> dict[str, Any]:
        """What the template says, from ``params``, in the active language:
        the process's name, the state's and role's labels, the deadline to the
        minute in the site's time zone, and the subject in ``language``."""
        params = dict(self.params or {})
        model = apps.get_model(params["model"]) if params.get("model") else None
        state = params.get("state", "")
        due = parse_datetime(params["due"]) if params.get("due") else None
        ref = params.get("ref", "")
        subject = in_language(params.get("subject"), language)
        context: dict[str, Any] = {
            **params,
            "ref": ref,
            "subject": subject,
            # The record as a notification names it: its reference and subject.
            "name": f"{ref} {subject}" if subject else ref,
            "process": str(model.process_name()) if model else "",
            "state": str(model.state_label(state)) if model else state,
            "final": bool(model and state in model.final_states),
            "due": f"{timezone.localtime(due):{MINUTE}}" if due else "",
            "site": settings.SITE_URL,
            "url": self.url,
        }
        if params.get("role"):
            context["role"] = str(role_label(params["role"]))
        return context


class NotificationPreference(models.Model):
    """How much a user hears of one process's records; without a row, the
    default: the steps that wait for them and the outcome of their own."""

    class Level(models.TextChoices):
        ALL = "all", _("Every step of my records")
        MINE = "mine", _("Steps waiting for me, and the outcome of my records")
        NONE = "none", _("Nothing")

    DEFAULT = Level.MINE

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    level = models.CharField(_("notify me of"), max_length=10, choices=Level.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type"], name="unique_notification_preference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.content_type} {self.level}"


class NotificationSettings(models.Model):
    """How a user wants to hear of their work by email; in-app notices always come."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately: one email per notification")
        DIGEST = "digest", _("Once a day: one digest of what is due and overdue")
        OFF = "off", _("Never: in the application only")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email = models.CharField(
        _("emails"), max_length=10, choices=Email.choices, default=Email.IMMEDIATE
    )
    # One of settings.LANGUAGES; empty: the site's language (LANGUAGE_CODE).
    language = models.CharField(_("language of notifications"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_email_display()}"

    @classmethod
    def email_mode(cls, user: Any) -> str:
        """The user's choice; immediate emails for those who never chose."""
        try:
            return user.notification_settings.email
        except cls.DoesNotExist:
            return cls.Email.IMMEDIATE

    @classmethod
    def language_of(cls, user: Any) -> str:
        """The language the user's notifications and emails are written in."""
        try:
            chosen = user.notification_settings.language
        except cls.DoesNotExist:
            chosen = ""
        known = {code for code, _name in settings.LANGUAGES}
        return chosen if chosen in known else settings.LANGUAGE_CODE


class Reminder(models.Model):
    """A deadline reminder that was sent; its key makes a second one impossible."""

    class Kind(models.TextChoices):
        SOON = "soon", _("Due soon")
        DUE = "due", _("Due now")
        OVERDUE = "overdue", _("Overdue")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    step_seq = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    repeat = models.PositiveIntegerField(_("repeat"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "step_seq", "kind", "repeat"],
                name="unique_reminder_per_step_visit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.record} {self.kind} {self.repeat}"


class EscalationRule(models.Model):
    """Who hears of a role's overdue steps, and after how long."""

    role = models.CharField(_("role"), max_length=40, choices=ROLE_CHOICES, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    after = models.DurationField(
        _("escalate when overdue by"),
        default=dt.timedelta(days=2),
        help_text=_("For example 2 00:00:00 for two days, or 04:00:00 for four hours."),
    )

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{role_label(self.role)} → {self.manager}"


class Escalation(models.Model):
    """A step of a role that stayed overdue and went to the role's manager.

    One per (record, visit of the step, role); it stays open in the
    manager's inbox until the record leaves the step or the role signs.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    step_seq = models.PositiveIntegerField()
    role = models.CharField(_("role"), max_length=40, choices=ROLE_CHOICES)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    due_at = models.DateTimeField(_("was due"))
    escalated_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-escalated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "step_seq", "role"],
                name="unique_escalation_per_step_visit",
            )
        ]
        indexes = [
            models.Index(fields=["manager", "resolved_at"]),
            models.Index(fields=["content_type", "object_id", "resolved_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.record} → {self.manager}"

    @property
    def role_label(self) -> Any:
        return role_label(self.role)

    def is_open_on(self, record: Any) -> bool:
        """Still waiting on this visit of the record's step."""
        return self.resolved_at is None and self.step_seq == record.step_seq


class Digest(models.Model):
    """One day's digest email to one user: never two on one day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-day", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="unique_digest_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%Y-%m-%d}"


class Outbox(models.Model):
    """Work for a worker, written in the transaction that calls for it.

    After the commit it is queued at once; if the broker is away it waits
    here, and the next delivery run (or a worker starting) does it. Its row
    lock and ``done_at`` make doing it twice impossible. An entry that keeps
    failing is tried ``MAX_ATTEMPTS`` times, then left, with its error, for
    an administrator to look at.
    """

    MAX_ATTEMPTS = 10

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(
        default=0, help_text=_("Failed attempts; after ten the entry waits for an administrator.")
    )
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at=None), name="outbox_pending")
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class ScheduleRun(models.Model):
    """A scheduled job done for one period (a month's sales plan): never twice."""

    name = models.CharField(_("schedule"), max_length=200)
    period = models.CharField(_("period"), max_length=20)
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-ran_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "period"], name="unique_schedule_period")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.period}"
