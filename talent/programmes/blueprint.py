"""The programmes blueprint; its pages are split by job across the *_views modules."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)
