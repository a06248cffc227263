"""ckanext-scheming schemas, installed as ``ckanext.elections.schemas``."""
