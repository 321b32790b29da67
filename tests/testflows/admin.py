from workflows.admin import register_process

from .models import Job, Review

register_process(Job, Review)
