"""Schemas of the actions and of the settings of the resource views."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.elections.results import MAP_LEVELS, QUERY_LEVELS

LEVELS = [level.value for level in QUERY_LEVELS]
VIEW_LEVELS = [level.value for level in MAP_LEVELS]
COLOUR_MODES = ["leader", "participation", "candidate"]


@validator_args
def results_show(
    not_empty: Validator, ignore_missing: Validator, one_of: ValidatorFactory,
    elections_identifier: Validator,
) -> Schema:
    return {
        "id": [not_empty, elections_identifier],
        "level": [not_empty, elections_identifier, one_of(LEVELS)],
        "code": [ignore_missing, elections_identifier],
    }


@validator_args
def election_list(
    ignore_missing: Validator, elections_boolean: Validator, elections_identifier: Validator,
) -> Schema:
    return {
        "organization": [ignore_missing, elections_identifier],
        "include_private": [ignore_missing, elections_boolean],
    }


@validator_args
def results_push(not_empty: Validator, elections_identifier: Validator) -> Schema:
    # ``areas`` is checked by the domain core (results.check_push), item by item.
    return {"id": [not_empty, elections_identifier]}


@validator_args
def import_status(not_empty: Validator, elections_identifier: Validator) -> Schema:
    return {"id": [not_empty, elections_identifier], "resource_id": [not_empty, elections_identifier]}


# Settings of the resource views (IResourceView.info()["schema"]).


@validator_args
def view_common(
    default: ValidatorFactory, boolean_validator: Validator, elections_refresh_interval: Validator,
) -> Schema:
    return {
        "refresh_interval": [default(30), elections_refresh_interval],
        "big_screen": [default(False), boolean_validator],
    }


@validator_args
def view_map(
    default: ValidatorFactory, one_of: ValidatorFactory, ignore_empty: Validator,
    unicode_safe: Validator, elections_tile_url: Validator,
) -> Schema:
    return {
        **view_common(),
        "level": [default("canton"), one_of(VIEW_LEVELS)],
        "colour_mode": [default("leader"), one_of(COLOUR_MODES)],
        "candidate": [ignore_empty, unicode_safe],
        "tile_url": [ignore_empty, elections_tile_url],
        "tile_attribution": [ignore_empty, unicode_safe],
    }


@validator_args
def view_summary(default: ValidatorFactory, int_validator: Validator,
                 elections_candidates_shown: Validator) -> Schema:
    return {**view_common(), "top": [default(5), int_validator, elections_candidates_shown]}


@validator_args
def view_participation(default: ValidatorFactory, one_of: ValidatorFactory) -> Schema:
    return {**view_common(), "level": [default("canton"), one_of(VIEW_LEVELS)]}
