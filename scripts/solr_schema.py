"""Write the Solr schema of the local stack: CKAN's own schema.xml, taken from
the installed ckan package, plus the bounding-box fields ckanext-spatial's
``solr-bbox`` search backend filters on, named for the oldest CKAN release
the project runs on (see SCHEMA_RELEASE).

Usage: python scripts/solr_schema.py OUTPUT_PATH (the file is rewritten only
when its content changes).
"""
from __future__ import annotations

import pathlib
import re
import sys

import ckan

# One Solr serves the portal and the tests of every CKAN release the project
# runs on (CKAN=2.11 and CKAN=2.12 share the cores). CKAN refuses to start on
# a schema whose name ("ckan-X.Y") is not among its SUPPORTED_SCHEMA_VERSIONS:
# 2.12 accepts "ckan-2.11", 2.11 refuses "ckan-2.12". The fields are the same
# (2.12.0's schema.xml is 2.11.6's, renamed), so the schema keeps 2.11's name
# whichever release writes it.
SCHEMA_RELEASE = "2.11"

SPATIAL_FIELDS = """\
    <!-- ckanext-spatial, search backend solr-bbox -->
    <field name="bbox_area" type="float" indexed="true" stored="true" />
    <field name="maxx" type="float" indexed="true" stored="true" />
    <field name="maxy" type="float" indexed="true" stored="true" />
    <field name="minx" type="float" indexed="true" stored="true" />
    <field name="miny" type="float" indexed="true" stored="true" />
"""


def build_schema() -> str:
    source = pathlib.Path(ckan.__file__).parent / "config" / "solr" / "schema.xml"
    schema = source.read_text(encoding="utf-8")
    marker = "</fields>"
    if schema.count(marker) != 1:
        raise SystemExit(f"{source}: expected one {marker}, cannot add the spatial fields")
    schema, named = re.subn(r'<schema name="ckan-[0-9.]+"', f'<schema name="ckan-{SCHEMA_RELEASE}"', schema, count=1)
    if not named:
        raise SystemExit(f"{source}: no <schema name=\"ckan-X.Y\">, cannot name the schema")
    return schema.replace(marker, SPATIAL_FIELDS + marker)


def main(output: str) -> None:
    target = pathlib.Path(output)
    schema = build_schema()
    if not target.exists() or target.read_text(encoding="utf-8") != schema:
        target.write_text(schema, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
