from workflows.admin import register_process

from .models import ResearchPlan, ResearchTask

register_process(ResearchPlan, ResearchTask)

from . import property_admin  # noqa: E402, F401  (developments, surveys, districts)
from . import plan_admin  # noqa: E402, F401
