"""Talent Exchange."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    from talent import config as settings_module
    from talent.core import http, i18n, permissions, templating
    from talent.extensions import api, babel, csrf, db, limiter, login_manager, migrate

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    settings = settings_module.load_settings(PROJECT_ROOT, config)
    data_dir = Path(str(settings["DATA_DIR"] or app.instance_path)).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings["DATA_DIR"] = str(data_dir)
    settings_module.resolve_secrets(settings, data_dir)
    is_https = str(settings["BASE_URL"]).startswith("https://")
    database_uri = settings_module.database_url(settings, data_dir)

    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_uri,
        # A server connection may have been dropped while idle in the pool; an embedded file cannot.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not database_uri.startswith("sqlite")},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=is_https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=is_https,
        # A little over the largest upload, so a file just past its limit reaches the view and
        # gets its own message, while a far larger body is refused (413) before it is read.
        MAX_CONTENT_LENGTH=max(int(settings["UPLOAD_MAX_BYTES"]), int(settings["MAX_DOCUMENT_BYTES"]))
        + 1024 * 1024,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=settings["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        API_TITLE="Talent Exchange API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config:
        app.config.update({k: v for k, v in config.items() if k.upper() not in settings_module.DEFAULTS})
    app.json.sort_keys = False  # keep documented field order in JSON answers
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    api.init_app(app)

    import talent.models  # noqa: F401  (complete metadata before anything queries)

    http.register(app)
    templating.register(app)
    app.before_request(permissions.enforce_declared_rules)
    _register_features(app)
    _register_template_globals(app)

    from talent.cli import register_commands

    register_commands(app)
    return app


def _register_features(app: Flask) -> None:
    from talent.accounts import auth
    from talent.accounts.views import bp as accounts_bp
    from talent.api import register_api
    from talent.certificates.views import bp as certificates_bp
    from talent.core.views import bp as core_bp
    from talent.programmes.views import bp as programmes_bp
    from talent.reference.views import bp as reference_bp
    from talent.workshops.views import bp as workshops_bp

    auth.init_login(app)
    for bp in (core_bp, accounts_bp, reference_bp, workshops_bp):
        app.register_blueprint(bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(programmes_bp)
    register_api(app)


def _register_template_globals(app: Flask) -> None:
    from talent.core import i18n
    from talent.core.navigation import navigation_for

    @app.context_processor
    def inject():
        locale = str(get_locale() or "en")
        return {
            "languages": i18n.LANGUAGES,
            "current_locale": locale,
            "html_lang": i18n.HTML_LANG.get(locale, locale),
            "text_direction": i18n.text_direction(locale),
            "navigation_for": navigation_for,
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Embedded default: WAL lets readers run beside the writer; foreign keys are off by default.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin), so that
        # SAVEPOINTs and transactional DDL behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name != "sqlite":
        return
    # A deferred SQLite transaction that reads and then writes fails at once ("database is
    # locked") when another writer committed in between; the busy timeout cannot help it.
    # Anything that may write therefore takes the write lock up front; page views (GET) stay
    # deferred so readers never queue behind writers.
    reading = has_request_context() and request.method in ("GET", "HEAD")
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
