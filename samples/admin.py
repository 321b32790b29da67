from workflows.admin import register_process

from .models import Board, SampleOrder

register_process(SampleOrder, Board)
