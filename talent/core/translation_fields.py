"""Optional text fields, one per interface language other than English, for words shown in the
reader's language (a course's title, a programme's name). English is the form's own required field.

    class CourseForm(TranslationFields, FlaskForm):
        TRANSLATED = "title"          # fields title_zh, title_fr, … ; operation errors "titles.zh"
    add_translation_fields(CourseForm, lambda language: _l("Title in %(language)s", language=language))
"""

from __future__ import annotations

from collections.abc import Callable

from wtforms import StringField

from talent.core.i18n import LANGUAGES, OTHER_LANGUAGES


def add_translation_fields(form_class, label: Callable[[str], object], *, max_length: int = 200) -> None:
    """Give `form_class` a field `<TRANSLATED>_<code>` per other language; `label(language name)`
    makes its label (the message must be written out in the caller for translation)."""
    for code in OTHER_LANGUAGES:
        setattr(
            form_class,
            f"{form_class.TRANSLATED}_{code}",
            StringField(
                label(LANGUAGES[code]), render_kw={"maxlength": max_length, "lang": code, "dir": "auto"}
            ),
        )


class TranslationFields:
    """Reads and fills the fields `add_translation_fields` added; the model keeps them as a dict
    named after the field in the plural (`titles`, `names`), and so do the operations' errors."""

    TRANSLATED: str

    @property
    def translation_fields(self) -> list:
        return [self[f"{self.TRANSLATED}_{code}"] for code in OTHER_LANGUAGES]

    def fill_translations(self, words: dict[str, str]) -> None:
        for code in OTHER_LANGUAGES:
            self[f"{self.TRANSLATED}_{code}"].data = words.get(code, "")

    def translations(self) -> dict[str, str]:
        return {code: self[f"{self.TRANSLATED}_{code}"].data or "" for code in OTHER_LANGUAGES}

    def translated_field_name(self, name: str) -> str:
        """The form field an operation's error names: "titles.zh" is the field "title_zh"."""
        plural = f"{self.TRANSLATED}s."
        return f"{self.TRANSLATED}_{name.removeprefix(plural)}" if name.startswith(plural) else name
