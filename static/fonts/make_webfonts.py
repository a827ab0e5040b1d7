"""Rebuild the WOFF2 fallback fonts in this folder from the TTFs shipped for certificates.

static/css/app.css offers these faces as "Talent Scripts", after the system fonts, each with a
unicode-range, so a browser downloads one only for a page that holds characters of its script
and only when no installed font has them. The CJK font is not converted: Chinese fonts are on
practically every device, and the subset is 5 MB.

The conversion keeps every glyph, hint and layout table (WOFF2 is lossless; only the dummy DSIG
signature goes, which a re-encoded font cannot keep) and the font's own timestamp, so the same
TTF always gives the same bytes. WOFF2 needs the brotli module, which the app does not
depend on, so run this from a throw-away environment:

    python3 -m venv /tmp/fontvenv && /tmp/fontvenv/bin/pip install fonttools brotli
    /tmp/fontvenv/bin/python static/fonts/make_webfonts.py

and commit the .woff2 files. The fonts are under the SIL Open Font License (OFL.txt here).
"""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
SOURCES = HERE.parent.parent / "certificates" / "fonts"
FONTS = [
    "NotoSansEthiopic-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansThai-Regular.ttf",
    "NotoNaskhArabic-Regular.ttf",
]


def main() -> None:
    for name in FONTS:
        source = SOURCES / name
        target = HERE / Path(name).with_suffix(".woff2").name
        font = TTFont(source, recalcTimestamp=False)
        font.flavor = "woff2"
        font.save(target)
        print(f"{target.name}: {source.stat().st_size:,} → {target.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
