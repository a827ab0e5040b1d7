"""The configuration every test app runs with (the session's app and the threaded ones alike)."""

from __future__ import annotations


def app_config(data_dir, database_url: str, **extra) -> dict:
    return {
        "ENV": "testing",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "BASE_URL": "http://talent.test",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        **extra,
    }
