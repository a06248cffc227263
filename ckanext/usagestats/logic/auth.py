"""Who sees usage figures: sysadmins the whole site, organisation admins
their organisation's datasets, nobody else. Dataset pages' counts follow
the dataset's own visibility."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import AuthResult, Context, DataDict

__all__ = [
    "usagestats_api_calls", "usagestats_catalogue", "usagestats_datasets", "usagestats_dataset_show",
    "usagestats_embeds", "usagestats_growth", "usagestats_heatmap", "usagestats_live",
    "usagestats_resources", "usagestats_searches", "usagestats_traffic",
]


def _scoped(context: Context, data_dict: DataDict) -> AuthResult:
    # Sysadmins never reach auth functions: whoever gets here is not one.
    organization = data_dict.get("organization")
    if not organization:
        return {"success": False, "msg": tk._("Only sysadmins can see the usage of the whole site")}
    group = model.Group.get(organization)
    if (group is None or not group.is_organization or group.state != "active"
            or authz.users_role_for_group_or_org(group.id, context.get("user")) != "admin"):
        return {"success": False, "msg": tk._("Only the admins of this organisation can see its usage")}
    return {"success": True}


usagestats_traffic = _scoped
usagestats_api_calls = _scoped
usagestats_datasets = _scoped
usagestats_resources = _scoped
usagestats_catalogue = _scoped
usagestats_growth = _scoped
usagestats_embeds = _scoped
usagestats_searches = _scoped
usagestats_heatmap = _scoped
usagestats_live = _scoped


@tk.auth_allow_anonymous_access
def usagestats_dataset_show(context: Context, data_dict: DataDict) -> AuthResult:
    try:
        tk.check_access("package_show", context, {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("You are not allowed to see this dataset")}
    return {"success": True}
