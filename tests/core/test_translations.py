"""Every visible string is translated into every interface language, and the catalogs compile."""

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from talent.core.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != "en"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_translates_every_visible_string(extracted, locale):
    po_path = ROOT / "talent" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    assert po_path.exists(), f"no catalog for {locale}: run `make translations-update`"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        ok = all(strings) if isinstance(strings, tuple) else bool(strings)
        if not ok or (translated and translated.fuzzy):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_survive_translation(locale):
    po_path = ROOT / "talent" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[0]))
        for s in strings:
            if (
                s
                and set(pattern.findall(s)) != wanted
                and not (len(ids) > 1 and wanted - {"%(num)d"} == set(pattern.findall(s)) - {"%(num)d"})
            ):
                broken.append(ids[0])
    assert not broken, f"{locale}: placeholders differ in {broken[:5]}"
