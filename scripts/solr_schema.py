"""Write the Solr schema of the local stack: CKAN's own schema.xml, taken from
the installed ckan package, plus the bounding-box fields ckanext-spatial's
``solr-bbox`` search backend filters on.

Usage: python scripts/solr_schema.py OUTPUT_PATH (the file is rewritten only
when its content changes).
"""
from __future__ import annotations

import pathlib
import sys

import ckan

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
    return schema.replace(marker, SPATIAL_FIELDS + marker)


def main(output: str) -> None:
    target = pathlib.Path(output)
    schema = build_schema()
    if not target.exists() or target.read_text(encoding="utf-8") != schema:
        target.write_text(schema, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
