"""Who may read and write results: the dataset's own permissions decide.

Reading follows ``package_show`` (public datasets for everyone, private ones
for their organisation's members); writing follows ``package_update``
(editors and admins of the organisation, sysadmins).
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = [
    "elections_election_list",
    "elections_import_status",
    "elections_results_push",
    "elections_results_show",
    "elections_turnout_show",
]


def _can(action: str, context: Context, package_id: str | None, message: str) -> AuthResult:
    try:
        tk.check_access(action, context, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": message}
    return {"success": True}


@tk.auth_allow_anonymous_access
def elections_results_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _can("package_show", context, data_dict.get("id"),
                tk._("You are not allowed to read the results of this election"))


@tk.auth_allow_anonymous_access
def elections_turnout_show(context: Context, data_dict: DataDict) -> AuthResult:
    return elections_results_show(context, data_dict)


@tk.auth_allow_anonymous_access
def elections_election_list(context: Context, data_dict: DataDict) -> AuthResult:
    # The list comes from package_search, which filters out what the user
    # may not see.
    return {"success": True}


def elections_results_push(context: Context, data_dict: DataDict) -> AuthResult:
    return _can("package_update", context, data_dict.get("id"),
                tk._("You are not allowed to publish results for this election"))


def elections_import_status(context: Context, data_dict: DataDict) -> AuthResult:
    return _can("package_update", context, data_dict.get("id"),
                tk._("You are not allowed to see the imports of this election"))
