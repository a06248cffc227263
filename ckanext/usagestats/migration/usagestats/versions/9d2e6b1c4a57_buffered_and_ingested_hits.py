"""Buffered and ingested hits: dropped hits, ingestion progress, cached hits, datasets per day

Revision ID: 9d2e6b1c4a57
Revises: 4c1f8e2a9b70
Create Date: 2026-12-03 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d2e6b1c4a57"
down_revision = "4c1f8e2a9b70"
branch_labels = None
depends_on = None

FIGURES = ("views", "visitors", "downloads", "api_calls")


def upgrade():
    op.add_column("usagestats_event", sa.Column("cached", sa.Boolean, nullable=False, server_default=sa.false()))

    op.create_table(
        "usagestats_dropped",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("reason", sa.Unicode(16), primary_key=True),
        sa.Column("hits", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "usagestats_ingest",
        sa.Column("source", sa.UnicodeText, primary_key=True),
        sa.Column("identity", sa.UnicodeText, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated", sa.DateTime, nullable=False),
    )

    # One narrow row per dataset and day, with the running totals up to that
    # day: a period's figures of a dataset are two rows apart (the last on or
    # before its end, less the last before its start), found by two probes of
    # usagestats_dataset_day_totals, whatever the period's length.
    op.create_table(
        "usagestats_dataset_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("owner_org", sa.UnicodeText, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in FIGURES),
        *(sa.Column(f"{name}_total", sa.BigInteger, nullable=False) for name in FIGURES),
    )
    op.execute("CREATE INDEX usagestats_dataset_day_totals ON usagestats_dataset_day (package_id, day) "
               f"INCLUDE ({', '.join(f'{name}_total' for name in FIGURES)})")
    op.execute(f"""
        INSERT INTO usagestats_dataset_day
        SELECT day, package_id, owner_org, {', '.join(FIGURES)},
               {', '.join(f'sum({name}) OVER (PARTITION BY package_id ORDER BY day)' for name in FIGURES)}
        FROM (SELECT day, package_id, min(owner_org) AS owner_org,
                     coalesce(sum(hits) FILTER (WHERE kind = 'view'), 0) AS views,
                     coalesce(sum(visitors) FILTER (WHERE kind = 'view'), 0) AS visitors,
                     coalesce(sum(hits) FILTER (WHERE kind = 'download'), 0) AS downloads,
                     coalesce(sum(hits) FILTER (WHERE kind = 'api'), 0) AS api_calls
              FROM usagestats_day
              WHERE resource_id = '*' AND detail = '*' AND owner_org <> '*' AND package_id NOT IN ('', '*')
                AND kind IN ('view', 'download', 'api')
              GROUP BY day, package_id) d""")
    # The resources panel reads its rows from this index alone.
    op.execute(
        "CREATE INDEX usagestats_day_resources ON usagestats_day (day) "
        "INCLUDE (resource_id, kind, owner_org, hits) "
        "WHERE resource_id NOT IN ('', '*') AND package_id <> '*' AND kind IN ('view', 'download', 'embed')")


def downgrade():
    op.drop_index("usagestats_day_resources", table_name="usagestats_day")
    op.drop_index("usagestats_dataset_day_totals", table_name="usagestats_dataset_day")
    op.drop_table("usagestats_dataset_day")
    op.drop_table("usagestats_ingest")
    op.drop_table("usagestats_dropped")
    op.drop_column("usagestats_event", "cached")
