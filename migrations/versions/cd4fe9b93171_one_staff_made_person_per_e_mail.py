"""one staff-made person per e-mail

Revision ID: cd4fe9b93171
Revises: 1e28656d3df0
Create Date: 2026-11-29 11:51:04.713472

"""
from alembic import op
import sqlalchemy as sa
import talent.core.db


# revision identifiers, used by Alembic.
revision = 'cd4fe9b93171'
down_revision = '1e28656d3df0'
branch_labels = None
depends_on = None


def upgrade():
    # Refused where two staff-made persons already share an e-mail address: merge them first.
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('uq_persons_staff_made_email', ['email'], unique=True, sqlite_where=sa.text('user_id IS NULL AND email IS NOT NULL'), postgresql_where=sa.text('user_id IS NULL AND email IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('uq_persons_staff_made_email', sqlite_where=sa.text('user_id IS NULL AND email IS NOT NULL'), postgresql_where=sa.text('user_id IS NULL AND email IS NOT NULL'))
