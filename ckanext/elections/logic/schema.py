from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

LEVELS = ["territory", "departement", "circonscription", "canton", "commune", "bureau"]


@validator_args
def results_show(
    not_empty: Validator, unicode_safe: Validator, ignore_missing: Validator,
    one_of: ValidatorFactory,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "level": [not_empty, unicode_safe, one_of(LEVELS)],
        "code": [ignore_missing, unicode_safe],
    }


@validator_args
def election_list(
    ignore_missing: Validator, unicode_safe: Validator, boolean_validator: Validator,
) -> Schema:
    return {
        "organization": [ignore_missing, unicode_safe],
        "include_private": [ignore_missing, boolean_validator],
    }


@validator_args
def results_push(not_empty: Validator, unicode_safe: Validator, ignore: Validator) -> Schema:
    # ``areas`` is a list of dicts that navl would flatten: it is checked by
    # the elections_push_areas validator on its own.
    return {"id": [not_empty, unicode_safe], "areas": [ignore]}


@validator_args
def import_status(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe], "resource_id": [not_empty, unicode_safe]}
