"""Usage statistics tables

Revision ID: 4c1f8e2a9b70
Revises:
Create Date: 2026-11-27 10:12:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4c1f8e2a9b70"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "usagestats_event",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("kind", sa.Unicode(16), nullable=False),
        sa.Column("visitor", sa.Unicode(32), nullable=False),
        sa.Column("bot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("package_id", sa.UnicodeText),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("detail", sa.UnicodeText),
        sa.Column("results", sa.Integer),
    )
    op.create_index("usagestats_event_ts", "usagestats_event", ["ts"])

    op.create_table(
        "usagestats_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.Unicode(16), primary_key=True),
        sa.Column("owner_org", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("detail", sa.UnicodeText, primary_key=True),
        sa.Column("hits", sa.BigInteger, nullable=False),
        sa.Column("visitors", sa.BigInteger, nullable=False),
    )
    op.create_index("usagestats_day_org_kind_day", "usagestats_day", ["owner_org", "kind", "day"])
    op.create_index("usagestats_day_package", "usagestats_day", ["package_id", "day"])

    op.create_table(
        "usagestats_hour",
        sa.Column("hour", sa.DateTime, primary_key=True),
        sa.Column("kind", sa.Unicode(16), primary_key=True),
        sa.Column("owner_org", sa.UnicodeText, primary_key=True),
        sa.Column("hits", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "usagestats_minute",
        sa.Column("minute", sa.DateTime, primary_key=True),
        sa.Column("kind", sa.Unicode(16), primary_key=True),
        sa.Column("owner_org", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("hits", sa.BigInteger, nullable=False),
        sa.Column("visitors", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "usagestats_url",
        sa.Column("url", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("served", sa.Boolean, nullable=False, server_default=sa.false()),
    )

    op.create_table(
        "usagestats_state",
        sa.Column("name", sa.Unicode(32), primary_key=True),
        sa.Column("value", sa.DateTime),
    )


def downgrade():
    op.drop_table("usagestats_state")
    op.drop_table("usagestats_url")
    op.drop_table("usagestats_minute")
    op.drop_table("usagestats_hour")
    op.drop_index("usagestats_day_package", table_name="usagestats_day")
    op.drop_index("usagestats_day_org_kind_day", table_name="usagestats_day")
    op.drop_table("usagestats_day")
    op.drop_index("usagestats_event_ts", table_name="usagestats_event")
    op.drop_table("usagestats_event")
