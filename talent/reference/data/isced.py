"""UNESCO's International Standard Classification of Education: levels (ISCED 2011) and broad
fields of education and training (ISCED-F 2013). Labels are the official English names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ISCED_LEVELS: dict[int, object] = {
    0: _l("Early childhood education"),
    1: _l("Primary education"),
    2: _l("Lower secondary education"),
    3: _l("Upper secondary education"),
    4: _l("Post-secondary non-tertiary education"),
    5: _l("Short-cycle tertiary education"),
    6: _l("Bachelor’s or equivalent level"),
    7: _l("Master’s or equivalent level"),
    8: _l("Doctoral or equivalent level"),
}

ISCED_FIELDS: dict[str, object] = {
    "00": _l("Generic programmes and qualifications"),
    "01": _l("Education"),
    "02": _l("Arts and humanities"),
    "03": _l("Social sciences, journalism and information"),
    "04": _l("Business, administration and law"),
    "05": _l("Natural sciences, mathematics and statistics"),
    "06": _l("Information and communication technologies"),
    "07": _l("Engineering, manufacturing and construction"),
    "08": _l("Agriculture, forestry, fisheries and veterinary"),
    "09": _l("Health and welfare"),
    "10": _l("Services"),
}


def level_label(level: int | None) -> str:
    return f"{level} — {ISCED_LEVELS[level]}" if level in ISCED_LEVELS else ""


def field_label(code: str | None) -> str:
    return f"{code} — {ISCED_FIELDS[code]}" if code in ISCED_FIELDS else ""
