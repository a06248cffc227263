"""Rollups in SQL: the parent areas of an election's base-level areas.

The one rollup engine of the extension: it runs in PostgreSQL at each
publication and push, so a read is a single indexed query. Its rules are
those of ``results.aggregate``, which serves as its test oracle:

* a parent sums its **counted** children only, so a canton half counted
  shows the results so far, with ``areas_counted`` / ``areas_total`` as its
  progress (and ``counted_only`` in the API while they differ);
* a count that any counted child lacks (a file without a ``blancs`` column,
  say) is unknown (NULL) for the parent, never silently smaller.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ckanext.elections.results import PARENT_LEVELS, STORED_COUNTS, Level

TERRITORY_CODE = "all"
# The column of a base-level row naming its parent's name, where there is one.
_NAME_COLUMNS = {Level.COMMUNE: "commune_name", Level.CANTON: "canton_name"}


def _count(column: str) -> str:
    return (f"CASE WHEN bool_or(b.counted AND b.{column} IS NULL) THEN NULL "
            f"ELSE sum(b.{column}) FILTER (WHERE b.counted) END")


def rollup(cursor: Any, names: dict[str, str], base: str, *, territory_name: str | None,
           only_codes: Sequence[str] | None = None) -> None:
    """(Re)compute the parents of the base-level areas, and the territory.

    With ``only_codes``, only the parents of those base-level areas are
    recomputed (a push); otherwise all of them (an import, after TRUNCATE).
    ``names`` are the quoted table names of ``datastore.tables.table_names``.
    """
    areas, votes = names["areas"], names["votes"]
    levels: list[Level | None] = [level for level in PARENT_LEVELS if level != base]
    for level in [*levels, None]:  # None: the territory, one area for everything
        column = level.value if level is not None else None
        parent = f"b.{column}" if column else f"'{TERRITORY_CODE}'"
        scope = "b.level = %(base)s" + (f" AND b.{column} IS NOT NULL" if column else "")
        if only_codes is not None:
            scope += (f" AND {parent} IN (SELECT {parent} FROM {areas} b "
                      "WHERE b.level = %(base)s AND b.code = ANY(%(codes)s))")
        params = {"base": base, "codes": list(only_codes or []),
                  "level": column or Level.TERRITORY.value, "territory": territory_name}
        for table, key in ((votes, "area"), (areas, "code")):
            cursor.execute(
                f"DELETE FROM {table} WHERE level = %(level)s AND {key} IN "
                f"(SELECT DISTINCT {parent} FROM {areas} b WHERE {scope})", params)
        name_column = _NAME_COLUMNS.get(level) if level is not None else None
        values = {
            "level": "%(level)s",
            "code": parent,
            "name": f"max(b.{name_column})" if name_column else ("NULL" if column else "%(territory)s"),
            # Every parent lies within one département (the territory may not).
            **{other.value: (parent if other == level else "NULL") for other in PARENT_LEVELS},
            **({"departement": "min(b.departement)"} if column and level != Level.DEPARTEMENT else {}),
            **{name: (f"max(b.{name})" if other == level else "NULL") for other, name in _NAME_COLUMNS.items()},
            **{c: _count(c) for c in STORED_COUNTS},
            "counted": "bool_and(b.counted)",
            "counted_at": "max(b.counted_at)",
            "areas_counted": "count(*) FILTER (WHERE b.counted)",
            "areas_total": "count(*)",
            "_full_text": f"array_to_tsvector(ARRAY[lower({parent})])",
        }
        group = f"GROUP BY {parent}" if column else ""
        cursor.execute(
            f"INSERT INTO {areas} ({', '.join(values)}) "
            f"SELECT {', '.join(values.values())} FROM {areas} b WHERE {scope} {group}",
            params)
        cursor.execute(
            f"""INSERT INTO {votes} (level, area, candidate, voix, _full_text)
                SELECT %(level)s, {parent}, v.candidate, sum(v.voix),
                       array_to_tsvector(ARRAY[lower({parent}), lower(v.candidate)])
                FROM {areas} b JOIN {votes} v ON v.level = b.level AND v.area = b.code
                WHERE {scope} AND b.counted
                GROUP BY {"b." + column + ", " if column else ""}v.candidate""", params)
