"""Deploy-time configuration: defaults < TOML file < TALENT_* environment variables.

Read once when the app is created and never changed at run time. Knobs an administrator
changes while the system runs belong in the database, not here.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

from cryptography.fernet import Fernet

# Every key the application understands, with its default. Environment variables are the
# same names prefixed with TALENT_; TOML files use the same names in lower or upper case.
DEFAULTS: dict[str, object] = {
    "ENV": "development",  # "production" makes missing secrets fatal
    "DATABASE_URL": None,  # None: SQLite file under the data folder
    "SECRET_KEY": None,
    "ENCRYPTION_KEY": None,  # Fernet key for personal data at rest (passport numbers)
    "BASE_URL": "http://127.0.0.1:5000",
    "DATA_DIR": None,  # None: the Flask instance folder
    "SMTP_URL": None,  # None: mails are written to DATA_DIR/outbox
    "MAIL_FROM": "Talent Exchange <no-reply@talent.example>",
    "REDIS_URL": None,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "PAGE_SIZE": 25,
    "PASSWORD_RESET_MAX_AGE": 3600,
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "MAX_DOCUMENT_BYTES": 10 * 1024 * 1024,  # one application document (PDF, PNG or JPEG)
    "TRUST_PROXY": False,  # behind a TLS-terminating proxy: honour X-Forwarded-*
}

INT_KEYS = {"PAGE_SIZE", "PASSWORD_RESET_MAX_AGE", "UPLOAD_MAX_BYTES", "MAX_DOCUMENT_BYTES"}
BOOL_KEYS = {"TRUST_PROXY"}


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot work; the message says what to set."""


def _coerce(key: str, value: object) -> object:
    if value is None:
        return None
    if key in INT_KEYS:
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"TALENT_{key} must be a whole number, got {value!r}") from exc
    if key in BOOL_KEYS and isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def _config_file(project_root: Path) -> Path | None:
    named = os.environ.get("TALENT_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"TALENT_CONFIG names {named}, which is not a file")
        return path
    default = project_root / "config" / "talent.toml"
    return default if default.is_file() else None


def load_settings(project_root: Path, overrides: dict | None = None) -> dict[str, object]:
    """Merge defaults, the TOML file and TALENT_* variables; `overrides` (tests) wins last."""
    settings = dict(DEFAULTS)
    path = _config_file(project_root)
    if path is not None:
        with path.open("rb") as fh:
            for key, value in tomllib.load(fh).items():
                upper = key.upper()
                if upper not in DEFAULTS:
                    raise ConfigError(f"{path}: unknown setting {key!r}")
                settings[upper] = value
    for key in DEFAULTS:
        env_value = os.environ.get(f"TALENT_{key}")
        if env_value not in (None, ""):
            settings[key] = env_value
    settings.update({k.upper(): v for k, v in (overrides or {}).items()})
    return {k: _coerce(k, v) for k, v in settings.items()}


def _local_secret(data_dir: Path, name: str, make) -> str:
    """Development only: keep a generated secret in the data folder so restarts keep sessions."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.touch(mode=0o600)
    path.write_text(value)
    return value


def resolve_secrets(settings: dict[str, object], data_dir: Path) -> None:
    production = settings["ENV"] == "production"
    for key, make in (
        ("SECRET_KEY", lambda: secrets.token_urlsafe(48)),
        ("ENCRYPTION_KEY", lambda: Fernet.generate_key().decode()),
    ):
        if settings.get(key):
            continue
        if production:
            raise ConfigError(
                f"TALENT_{key} is not set. Production needs it: set the environment variable "
                f"or put {key.lower()} in the TOML file named by TALENT_CONFIG."
            )
        settings[key] = _local_secret(data_dir, key.lower(), make)
    try:
        Fernet(str(settings["ENCRYPTION_KEY"]).encode())
    except (ValueError, TypeError) as exc:
        raise ConfigError("TALENT_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64 bytes)") from exc


def database_url(settings: dict[str, object], data_dir: Path) -> str:
    url = settings.get("DATABASE_URL")
    if url:
        url = str(url)
        # Accept the plain libpq scheme partners paste in, but always drive it with psycopg 3.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{data_dir / 'talent.sqlite3'}"
