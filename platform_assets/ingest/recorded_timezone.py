"""Where a source records a tenant's timezone: a field of one of its raw snapshots (a store object written
each day). :func:`snapshot_timezone_reader` makes a source's ``timezone`` reader (see
``platform_assets.sources.contract``) from the snapshot entity, the field and how the place is named."""

from __future__ import annotations

from datetime import date

from platform_assets.sources.contract import TimezoneReader
from resources.raw_store import RawStoreResource


def snapshot_timezone_reader(platform: str, entity: str, field: str, place: str) -> TimezoneReader:
    """A reader of ``field`` in the ``entity`` snapshot of ``platform``; ``place`` names the snapshot in
    the answer (``"<place> of YYYY-MM-DD"``)."""

    def recorded_timezone(
        raw_store: RawStoreResource, tenant_id: str, day: date | None
    ) -> tuple[str, str] | None:
        """The timezone in the snapshot of ``day`` (the newest snapshot when ``day`` is None), with where
        it was read; None when there is no snapshot or it names no timezone."""
        if day is None:
            day = raw_store.newest_day(platform, entity, tenant_id)
            if day is None:
                return None
        elif not raw_store.exists(platform, entity, tenant_id, day):
            return None
        snapshot = next(iter(raw_store.read_partition(platform, entity, tenant_id, day)), None) or {}
        name = snapshot.get(field)
        return (str(name), f"{place} of {day.isoformat()}") if name else None

    return recorded_timezone
