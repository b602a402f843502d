"""question bucket: the questions of a period whose first response took a given time,
found from an index ordered by response bucket (a digest's median response time reads
only the questions in the bucket that holds it, not every question of the period)

Revision ID: 0031
Revises: 0030
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `storage.response_buckets.bucket_sql("response_seconds")` as it is at this revision: the
# queries use the index only while they write the same expression.
BUCKET = (
    "CASE WHEN response_seconds IS NULL THEN -1 WHEN response_seconds < 1 THEN 0 "
    "WHEN response_seconds - 1 < 60 THEN 0 + (response_seconds - 1 - 0) / 10 "
    "WHEN response_seconds - 1 < 3600 THEN 6 + (response_seconds - 1 - 60) / 60 "
    "WHEN response_seconds - 1 < 86400 THEN 65 + (response_seconds - 1 - 3600) / 600 "
    "WHEN response_seconds - 1 < 2592000 THEN 203 + (response_seconds - 1 - 86400) / 3600 "
    "ELSE 899 END"
)


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_question_bucket ON question (community_id, "
        f"({BUCKET}), asked_at, in_help_channel, channel_name, response_seconds)"
    )


def downgrade() -> None:
    op.drop_index("ix_question_bucket", table_name="question")
