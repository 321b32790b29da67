from workflows.admin import register_process

from .models import ResearchPlan, ResearchTask

register_process(ResearchPlan, ResearchTask)

from . import plan_admin  # noqa: E402, F401
