"""school home location: the home airport's latitude and longitude on the school row

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 22:30:00.000000+00:00

The desktop shades civil twilight on its calendar and needs to know where the home airport is.
It used to look that up in avwx-engine's station data itself (a 67 MB file); now the service,
which has that data loaded anyway, keeps the coordinates on the school row
(``sync.schools.service.place_home``) and desktops get them with the row they replicate.

Existing schools are filled in here from the same station data (``sync.weather.stations``),
None for a station it does not know. Each filled row takes a new ``version`` and ``server_seq``
(from the ``sync_counter`` row, as ``sync.database.server_seq`` does), so desktops whose cursor
is already past the school row pull it again. Runs on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from sync.database.core import UTCDateTime

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "schools"
COLUMNS = ("home_latitude", "home_longitude")

schools = sa.table(
    TABLE,
    sa.column("id", sa.Uuid()),
    sa.column("home_airport", sa.String()),
    sa.column("home_latitude", sa.Double()),
    sa.column("home_longitude", sa.Double()),
    sa.column("version", sa.Integer()),
    sa.column("server_seq", sa.BigInteger()),
    sa.column("updated_at", UTCDateTime()),
)
TAKE_SERVER_SEQ = sa.text("UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value")


def _location(icao: str) -> tuple[float, float] | None:
    # Imported here, not at the top: Alembic imports every revision just to read the history
    # (``fsp-sync db current``, the service's start-up check), and avwx is slow to load.
    from sync.weather.errors import UnknownStation
    from sync.weather.stations import station_info

    try:
        station = station_info(icao)
    except UnknownStation:
        return None
    if station.latitude is None or station.longitude is None:
        return None
    return float(station.latitude), float(station.longitude)


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Double(), nullable=True))

    connection = op.get_bind()
    found = connection.execute(
        sa.select(schools.c.id, schools.c.home_airport).order_by(schools.c.server_seq)).all()
    for school_id, home_airport in found:
        location = _location(home_airport or "")
        if location is None:
            continue  # stays None: the desktop shades no twilight for it
        server_seq = connection.execute(TAKE_SERVER_SEQ).scalar_one()
        connection.execute(
            sa.update(schools).where(schools.c.id == school_id).values(
                home_latitude=location[0], home_longitude=location[1],
                version=schools.c.version + 1, server_seq=server_seq,
                updated_at=datetime.now(UTC),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
