"""Template helpers of ckanext-elections."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.common import current_user

__all__ = ["elections_import_outcome"]


def elections_import_outcome(package_id: str, resource_id: str) -> dict[str, Any] | None:
    """The latest import of a results resource, for those who may see it."""
    context = {"user": current_user.name if current_user.is_authenticated else ""}
    try:
        return tk.get_action("elections_import_status")(
            context, {"id": package_id, "resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
