"""Parameters of the usagestats actions.

Validators of our own where CKAN's would let odd JSON through to a 500:
``boolean_validator`` calls ``.lower()`` on whatever it gets, ``int_validator``
turns a blank into None, ``isodate`` takes year 1 and year 9999, whose day
before or after no date can hold.
"""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Context, Schema, Validator, ValidatorFactory

__all__ = ["catalogue", "datasets", "flag", "live", "number", "period_date", "scope", "searches"]

GRANULARITIES = ["day", "week", "month"]
DIMENSIONS = ["organization", "group", "tag", "format", "license"]
MAX_LIMIT = 100
MAX_HOURS = 72
FIRST_YEAR, LAST_YEAR = 2000, 2999


def number(low: int, high: int) -> Validator:
    """A whole number between ``low`` and ``high``, given as a number or as text."""
    def validator(value: Any, context: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise tk.Invalid(tk._("Must be a whole number"))
        try:
            found = int(value.strip()) if isinstance(value, str) else value
        except ValueError:
            raise tk.Invalid(tk._("Must be a whole number")) from None
        if not low <= found <= high:
            raise tk.Invalid(tk._("Must be between {low} and {high}").format(low=low, high=high))
        return found
    return validator


def flag(value: Any, context: Context) -> bool:
    """True or false, as JSON, a number or a word."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "t", "y", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "f", "n", "0", "off", ""):
        return False
    raise tk.Invalid(tk._("Must be true or false"))


def period_date(value: Any, context: Context) -> datetime.datetime | None:
    """An ISO date (and time) within the years the dashboards can count."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise tk.Invalid(tk._("Date format incorrect"))
    try:
        found = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise tk.Invalid(tk._("Date format incorrect")) from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise tk.Invalid(tk._("Must be between the years {first} and {last}").format(first=FIRST_YEAR,
                                                                                    last=LAST_YEAR))
    return found.replace(tzinfo=None)


def _choice(choices: list[str]) -> Validator:
    def validator(value: Any, context: Context) -> str:
        if not isinstance(value, str) or value not in choices:
            raise tk.Invalid(tk._("Must be one of: {choices}").format(choices=", ".join(choices)))
        return value
    return validator


@validator_args
def scope(ignore_missing: Validator, default: ValidatorFactory) -> Schema:
    """The parameters every dashboard action takes (the organisation is checked apart)."""
    return {
        "start": [ignore_missing, period_date],
        "end": [ignore_missing, period_date],
        "granularity": [default("day"), _choice(GRANULARITIES)],
        "limit": [default(10), number(1, MAX_LIMIT)],
    }


@validator_args
def catalogue(default: ValidatorFactory) -> Schema:
    return {**scope(), "by": [default("organization"), _choice(DIMENSIONS)]}


@validator_args
def datasets(default: ValidatorFactory) -> Schema:
    return {**scope(), "least": [default(False), flag]}


@validator_args
def searches(default: ValidatorFactory) -> Schema:
    return {**scope(), "zero_results": [default(False), flag]}


@validator_args
def live(ignore_missing: Validator, default: ValidatorFactory) -> Schema:
    return {
        "hours": [default(6), number(1, MAX_HOURS)],
        "until": [ignore_missing, period_date],
    }
