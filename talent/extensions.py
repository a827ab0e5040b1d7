"""Extensions, created unbound; `create_app` binds them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from talent.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class TalentApi(Api):
    """flask-smorest's Api, answering errors as RFC 9457 problem documents like the rest of the app."""

    def handle_http_exception(self, error):
        from talent.core.http import handle_http_exception

        return handle_http_exception(error)


api = TalentApi()
