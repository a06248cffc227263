from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

GRANULARITIES = ["day", "week", "month"]
DIMENSIONS = ["organization", "group", "tag", "format", "license"]


@validator_args
def scope(
    ignore_missing: Validator, unicode_safe: Validator, isodate: Validator, one_of: ValidatorFactory,
    int_validator: Validator, natural_number_validator: Validator, default: ValidatorFactory,
) -> Schema:
    """The parameters every dashboard action takes."""
    return {
        "organization": [ignore_missing, unicode_safe],
        "start": [ignore_missing, isodate],
        "end": [ignore_missing, isodate],
        "granularity": [default("day"), unicode_safe, one_of(GRANULARITIES)],
        "limit": [default(10), int_validator, natural_number_validator],
    }


@validator_args
def catalogue(one_of: ValidatorFactory, default: ValidatorFactory, unicode_safe: Validator) -> Schema:
    return {**scope(), "by": [default("organization"), unicode_safe, one_of(DIMENSIONS)]}


@validator_args
def datasets(boolean_validator: Validator, default: ValidatorFactory) -> Schema:
    return {**scope(), "least": [default(False), boolean_validator]}


@validator_args
def searches(boolean_validator: Validator, default: ValidatorFactory) -> Schema:
    return {**scope(), "zero_results": [default(False), boolean_validator]}


@validator_args
def live(ignore_missing: Validator, int_validator: Validator, natural_number_validator: Validator,
         default: ValidatorFactory, unicode_safe: Validator, isodate: Validator) -> Schema:
    return {
        "organization": [ignore_missing, unicode_safe],
        "hours": [default(6), int_validator, natural_number_validator],
        "until": [ignore_missing, isodate],
    }


@validator_args
def dataset_show(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe]}
