"""Risk lookups that scale: photo fingerprints indexed by the four 16-bit quarters of their hash
(multi-index hashing: a lookup within k bits reads only the rows one of whose quarters is within
k // 4 bits, instead of every fingerprint of a kind; existing rows get their quarters from
``phash`` here), and on SQLite face and voice embeddings whose ids are never used again (an id
reused after a delete would name another vector than the one the face index holds under it).

Revision ID: 0015_risk_indexes
Revises: 0014_fraud
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_risk_indexes"
down_revision: str | None = "0014_fraud"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BANDS = 4
EMBEDDINGS = ("face_embeddings", "voice_embeddings")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL's sequences never give an id again
        for name in EMBEDDINGS:
            with op.batch_alter_table(name, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
    with op.batch_alter_table("photo_fingerprints") as table:
        for band in range(BANDS):
            table.add_column(sa.Column(f"band{band}", sa.Integer(), nullable=False,
                                       server_default="0"))
    # The signed 64-bit phash shifted right (arithmetic on both databases) and masked to 16 bits.
    op.execute("UPDATE photo_fingerprints SET " + ", ".join(
        f"band{band} = (phash >> {48 - 16 * band}) & 65535" for band in range(BANDS)))
    for band in range(BANDS):
        op.create_index(f"ix_photo_fingerprints_band{band}", "photo_fingerprints",
                        [f"band{band}", "kind"])


def downgrade() -> None:
    for band in range(BANDS):
        op.drop_index(f"ix_photo_fingerprints_band{band}", "photo_fingerprints")
    with op.batch_alter_table("photo_fingerprints") as table:
        for band in range(BANDS):
            table.drop_column(f"band{band}")
    if op.get_bind().dialect.name == "sqlite":
        for name in EMBEDDINGS:
            with op.batch_alter_table(name, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": False}):
                pass
