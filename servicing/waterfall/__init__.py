"""The waterfall engine: a deal's priority of payments, described as data, run over periods.

Pure Python (no Django): ``validate`` a description against ``SCHEMA`` and its references,
``run`` it over ``PeriodInput`` figures. docs/waterfall.md describes the format and the rules.
"""

from .engine import run
from .results import CSV_COLUMNS, PeriodInput, PeriodResult, RunResult, StepRow, TriggerResult
from .schema import SCHEMA
from .validation import validate

__all__ = ["CSV_COLUMNS", "SCHEMA", "PeriodInput", "PeriodResult", "RunResult", "StepRow", "TriggerResult",
           "run", "validate"]
