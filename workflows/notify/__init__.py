"""Notifications and scheduled sending: the messages (``messages``), the
deadline scan with its reminders and escalations (``scan``), and email with
the daily digest (``email``). Celery's entry points are in ``workflows.tasks``."""
