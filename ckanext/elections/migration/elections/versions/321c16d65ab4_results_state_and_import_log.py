"""Results state and import log

Revision ID: 321c16d65ab4
Revises:
Create Date: 2026-11-27 03:49:31.588562

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '321c16d65ab4'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "elections_results",
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.DateTime, nullable=False),
        sa.Column("layout", sa.UnicodeText),
        sa.Column("base_level", sa.UnicodeText, nullable=False),
        sa.Column("areas_resource_id", sa.UnicodeText, nullable=False),
        sa.Column("votes_resource_id", sa.UnicodeText, nullable=False),
        sa.Column("candidates_resource_id", sa.UnicodeText, nullable=False),
        sa.Column("turnout_resource_id", sa.UnicodeText),
    )
    op.create_table(
        "elections_import",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime),
        sa.Column("areas", sa.Integer),
        sa.Column("problems", sa.UnicodeText),
        sa.Column("problems_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", sa.UnicodeText),
    )
    op.create_index("elections_import_resource_idx", "elections_import", ["resource_id", "created"])


def downgrade():
    op.drop_index("elections_import_resource_idx", table_name="elections_import")
    op.drop_table("elections_import")
    op.drop_table("elections_results")
