"""WSGI entry point for gunicorn (or any WSGI server): CKAN_INI names the config."""
from __future__ import annotations

import configparser
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

_config_path = os.environ["CKAN_INI"]
_parser = configparser.ConfigParser()
_parser.read(_config_path)
# A config that only extends another one (``use = config:...``) may carry no
# logging sections of its own.
if _parser.has_section("formatters"):
    fileConfig(_config_path, disable_existing_loggers=False)
application = make_app(CKANConfigLoader(_config_path).get_config())
