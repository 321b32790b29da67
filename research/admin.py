from workflows.admin import register_process

from .models import ResearchPlan, ResearchTask

register_process(ResearchPlan, ResearchTask)

# The plans' and the property surveys' admin (developments, surveys, districts).
from . import plan_admin, property_admin  # noqa: E402, F401
