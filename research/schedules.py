from .property_schedules import SCHEDULES as PROPERTY

SCHEDULES = [*PROPERTY]
