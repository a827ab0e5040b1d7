"""Reference data use cases."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from talent.extensions import db
from talent.reference.models import Country

COUNTRIES_CSV = Path(__file__).parent / "data" / "countries.csv"


def _read_countries() -> list[dict]:
    with COUNTRIES_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "code": row["code"],
                "name": row["name"],
                "region": row["region"],
                "subregion": row["subregion"],
                "is_global_south": row["is_global_south"] == "true",
            }
            for row in csv.DictReader(handle)
        ]


def load_countries() -> int:
    """Bring the countries table in line with the shipped list; returns how many rows changed.

    Idempotent: a second run changes nothing. Countries no longer in the list are kept, because
    people and institutions may still refer to them. The list's history is the data file's.
    """
    existing = {c.code: c for c in db.session.execute(select(Country)).scalars()}
    changed = 0
    for values in _read_countries():
        country = existing.get(values["code"])
        if country is None:
            country = Country(**values)
            db.session.add(country)
            changed += 1
            continue
        if any(getattr(country, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(country, key, value)
            changed += 1
    db.session.flush()
    return changed

