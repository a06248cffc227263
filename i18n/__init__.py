"""Translation catalogues of both plugins, installed as ``ckanext.elections.i18n``."""
