"""Buffered and ingested hits: dropped hits, ingestion progress, cached hits

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

    # The datasets panels read one row per (day, kind, dataset): an index
    # that holds them, and only them, read without touching the table.
    op.execute(
        "CREATE INDEX usagestats_day_datasets ON usagestats_day (day, package_id) "
        "INCLUDE (kind, owner_org, hits, visitors) "
        "WHERE resource_id = '*' AND detail = '*' AND owner_org <> '*' AND package_id NOT IN ('', '*')")


def downgrade():
    op.drop_index("usagestats_day_datasets", table_name="usagestats_day")
    op.drop_table("usagestats_ingest")
    op.drop_table("usagestats_dropped")
    op.drop_column("usagestats_event", "cached")
