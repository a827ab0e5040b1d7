"""Interface languages and time zones: who sees which, and how the choice is remembered."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from flask import has_request_context, request, session
from flask_login import current_user

# Order is the order of the language switcher. Names are written in their own language.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "zh": "中文（简体）",
    "fr": "Français",
    "es": "Español",
    "pt": "Português",
    "ar": "العربية",
}
# Languages a title or name may be given in besides English, which is always required.
OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
RTL_LANGUAGES = {"ar"}
# BCP 47 tags for <html lang>: Chinese is shown in Simplified script.
HTML_LANG = {"zh": "zh-Hans"}


def select_locale() -> str:
    """The user's saved choice, else this browser session's choice, else Accept-Language."""
    if not has_request_context():  # CLI and scheduler: messages and mails default to English
        return "en"
    user = current_user if current_user else None
    if user is not None and user.is_authenticated and user.locale in LANGUAGES:
        return user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default="en")


def select_timezone() -> str:
    if not has_request_context():
        return "UTC"
    user = current_user if current_user else None
    if user is not None and user.is_authenticated and is_known_timezone(user.timezone):
        return user.timezone
    return "UTC"


def is_known_timezone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def timezone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(available_timezones())
        if "/" in name or name == "UTC"
    ]


def text_direction(locale: str) -> str:
    return "rtl" if locale in RTL_LANGUAGES else "ltr"
