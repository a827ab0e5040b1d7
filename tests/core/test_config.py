"""Configuration: defaults < TOML file < TALENT_* environment; production refuses to start without secrets."""

import pytest

from talent import create_app
from talent.config import ConfigError, load_settings


def test_toml_overrides_defaults_and_environment_overrides_toml(tmp_path, monkeypatch):
    config_file = tmp_path / "talent.toml"
    config_file.write_text('base_url = "https://from-file.example"\npage_size = 40\n')
    monkeypatch.setenv("TALENT_CONFIG", str(config_file))
    monkeypatch.delenv("TALENT_BASE_URL", raising=False)
    assert load_settings(tmp_path)["BASE_URL"] == "https://from-file.example"
    assert load_settings(tmp_path)["PAGE_SIZE"] == 40

    monkeypatch.setenv("TALENT_BASE_URL", "https://from-env.example")
    assert load_settings(tmp_path)["BASE_URL"] == "https://from-env.example"


def test_unknown_setting_in_file_is_refused(tmp_path, monkeypatch):
    config_file = tmp_path / "talent.toml"
    config_file.write_text('databse_url = "typo"\n')
    monkeypatch.setenv("TALENT_CONFIG", str(config_file))
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings(tmp_path)


def test_non_numeric_page_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("TALENT_CONFIG", raising=False)
    monkeypatch.setenv("TALENT_PAGE_SIZE", "many")
    with pytest.raises(ConfigError, match="PAGE_SIZE"):
        load_settings(tmp_path)


def test_production_without_secret_key_fails_fast_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv("TALENT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="TALENT_SECRET_KEY is not set"):
        create_app({"ENV": "production", "DATA_DIR": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert not (tmp_path / "secret_key").exists()


def test_production_needs_a_valid_encryption_key(tmp_path):
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY"):
        create_app(
            {
                "ENV": "production",
                "DATA_DIR": str(tmp_path),
                "DATABASE_URL": "sqlite://",
                "SECRET_KEY": "x" * 40,
                "ENCRYPTION_KEY": "not-a-fernet-key",
            }
        )


def test_development_generates_and_keeps_local_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("TALENT_SECRET_KEY", raising=False)
    monkeypatch.delenv("TALENT_ENCRYPTION_KEY", raising=False)
    first = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": "sqlite://"})
    second = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_plain_postgres_url_is_driven_by_psycopg(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@127.0.0.1/x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
