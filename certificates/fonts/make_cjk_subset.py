"""Rebuild NotoSansCJKsc-Regular-subset.otf from Debian's fonts-noto-cjk collection.

The full collection is 19.5 MB (ten faces sharing 65,535 glyphs). Certificates need the
Simplified Chinese face only, and of it the characters names, course titles and institution
names use: the whole CJK Unified Ideographs block (U+4E00–U+9FFF: every GBK and Big5
hanzi, so Traditional names print too), CJK punctuation, kana and full-width forms. That
is about 21,000 glyphs in 5 MB. Characters outside it are refused before rendering (see
talent/certificates/rendering.py) rather than printed as empty boxes.

Two choices keep each certificate PDF small:
- WeasyPrint embeds a subset that keeps glyph numbers, so every glyph up to the highest one
  used is written, empty or not. The glyphs are therefore reordered: punctuation and kana
  first, then the 3,755 most frequent hanzi (GB 2312 level 1), then level 2, then the rest.
  A typical name then costs a few kilobytes instead of ~80 KB of empty glyphs.
- Glyph substitution and positioning tables are dropped: Han characters need no shaping, and
  they would have to be renumbered too. Vertical metrics go as well (certificates are set
  horizontally).

    .venv/bin/python certificates/fonts/make_cjk_subset.py [/path/to/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TARGET = Path(__file__).with_name("NotoSansCJKsc-Regular-subset.otf")
FACE = "Noto Sans CJK SC"
RANGES = [
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]
HAN_FIRST, HAN_LAST = 0x4E00, 0x9FFF


def _gb2312_hanzi() -> list[str]:
    """GB 2312 hanzi in code order: level 1 (the 3,755 most frequent), then level 2."""
    chars = []
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def _frequent_first(font: TTFont) -> list[str]:
    cmap = font.getBestCmap()
    order = [".notdef"]
    seen = set(order)

    def add(name: str) -> None:
        if name not in seen:
            seen.add(name)
            order.append(name)

    for code in sorted(cmap):
        if not HAN_FIRST <= code <= HAN_LAST:
            add(cmap[code])
    for char in _gb2312_hanzi():
        if ord(char) in cmap:
            add(cmap[ord(char)])
    for code in sorted(cmap):
        add(cmap[code])
    for name in font.getGlyphOrder():
        add(name)
    return order


def _reorder(font: TTFont, order: list[str]) -> None:
    for tag in sorted(font.keys()):
        font[tag]  # decompile every table while glyph names still resolve to the old numbers
    top = font["CFF "].cff.topDictIndex[0]
    old = font.getGlyphOrder()
    for name in old:
        top.CharStrings[name]  # each charstring binds to its own private dict (local subrs) now
    font_dict_of = {name: top.FDSelect[gid] for gid, name in enumerate(old)}
    font.setGlyphOrder(order)
    top.charset = order
    top.FDSelect.gidArray = [font_dict_of[name] for name in order]


def build(source: str = SOURCE, target: Path = TARGET) -> Path:
    collection = TTCollection(source)
    face = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]  # keeps the copyright and licence records (OFL condition 2)
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # WeasyPrint drops hints when it embeds the font
    options.drop_tables += ["vhea", "vmtx", "VORG", "GSUB", "GPOS", "GDEF", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={cp for low, high in RANGES for cp in range(low, high + 1)})
    subsetter.subset(face)
    _reorder(face, _frequent_first(face))
    face.save(str(target))
    return target


if __name__ == "__main__":
    path = build(*sys.argv[1:2])
    print(f"{path}: {path.stat().st_size:,} bytes")
