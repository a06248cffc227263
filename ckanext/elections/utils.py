"""CKAN glue shared by both plugins: the clock, and who an action runs as.

Kept in one place so that every action call made on behalf of the reader,
or of the site itself (jobs, commands, the storage layer), is built the same
way.
"""
from __future__ import annotations

import datetime
import gettext
import os
from functools import lru_cache

import ckan.plugins.toolkit as tk
from ckan.common import current_user
from ckan.types import Context

__all__ = ["site_context", "site_gettext", "site_user", "user_context", "utcnow"]


def utcnow() -> datetime.datetime:
    """Now, in UTC, naive (as CKAN's and our tables store it)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def user_context() -> Context:
    """The context of an action called for the person making the request."""
    return {"user": current_user.name if current_user.is_authenticated else ""}


def site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def site_context() -> Context:
    """The context of an action the site runs itself (jobs, commands, storage)."""
    return {"ignore_auth": True, "user": site_user()}


@lru_cache(maxsize=8)
def _catalogue(locale: str, domain: str) -> gettext.NullTranslations:
    from ckanext.elections import i18n

    return gettext.translation(domain, os.path.dirname(i18n.__file__), [locale], fallback=True)


def site_gettext(message: str, domain: str = "ckanext-elections") -> str:
    """``message`` in the portal's default language, whoever runs the code.

    For text written into the catalogue itself (names of the resources the
    storage creates), which must not depend on the language of the request,
    nor need one (jobs and commands have none).
    """
    return _catalogue(tk.config.get("ckan.locale_default") or "en", domain).gettext(message)
