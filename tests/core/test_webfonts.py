"""Fallback web fonts: shipped, referenced, limited to their scripts, and never pushed on a page."""

import re

from talent import PROJECT_ROOT

STATIC = PROJECT_ROOT / "static"
CSS_PATH = STATIC / "css" / "app.css"
FAMILY = '"Talent Scripts"'


def _css() -> str:
    return CSS_PATH.read_text(encoding="utf-8")


def _font_faces() -> list[str]:
    return re.findall(r"@font-face\s*\{(.*?)\}", _css(), flags=re.S)


def _ranges(face: str) -> list[tuple[int, int]]:
    declared = re.search(r"unicode-range:\s*([^;]+);", face).group(1)
    ranges = []
    for item in declared.split(","):
        first, _, last = item.strip().removeprefix("U+").partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    return ranges


def test_every_font_url_in_the_stylesheet_exists_and_every_shipped_font_is_used():
    urls = re.findall(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)", _css())
    referenced = {(CSS_PATH.parent / url).resolve() for url in urls}
    assert referenced, "app.css offers no web font"
    for path in referenced:
        assert path.is_file(), f"{path} is referenced by app.css but missing"
        assert path.read_bytes()[:4] == b"wOF2", f"{path.name} is not WOFF2"
    shipped = {path.resolve() for path in (STATIC / "fonts").glob("*.woff2")}
    assert shipped == referenced
    assert (STATIC / "fonts" / "OFL.txt").is_file()


def test_each_face_is_a_last_resort_for_its_own_script_only():
    faces = _font_faces()
    assert len(faces) == 4
    for face in faces:
        assert f"font-family: {FAMILY}" in face
        assert "font-display: swap" in face
        src = re.search(r"src:([^;]+);", face).group(1)
        assert src.strip().startswith("local("), "an installed copy must win over a download"
        for first, last in _ranges(face):
            assert first > 0x024F, "Latin text must never download a font"
            assert last < 0x2E80 or first > 0x9FFF, "no CJK face: Chinese fonts are on every device"
    scripts = {"አበበ በቀለ": "Ethiopic", "अंजलि वर्मा": "Devanagari", "สมชาย": "Thai", "فاطمة السيد": "Arabic"}
    for sample, script in scripts.items():
        letters = [ord(char) for char in sample if not char.isspace()]
        covering = [
            face for face in faces if all(any(a <= c <= b for a, b in _ranges(face)) for c in letters)
        ]
        assert len(covering) == 1, f"{script} should be covered by exactly one face"

    stack = re.search(r":root\s*\{[^}]*?font-family:([^;]+);", _css(), flags=re.S).group(1)
    families = [family.strip() for family in stack.split(",")]
    assert families[0] == "system-ui" and families[-1] == "sans-serif"
    assert families[-2] == FAMILY, "the fallback comes after every installed font"


def test_pages_do_not_push_font_files(client):
    for language in ("en", "ar"):
        html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        assert ".woff2" not in html and 'rel="preload"' not in html


def test_fonts_are_served_cacheable_and_allowed_by_the_policy(client):
    name = next((STATIC / "fonts").glob("*.woff2")).name
    response = client.get(f"/static/fonts/{name}")
    assert response.status_code == 200
    assert response.mimetype == "font/woff2"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert "font-src 'self'" in response.headers["Content-Security-Policy"]
    assert len(response.get_data()) == (STATIC / "fonts" / name).stat().st_size
