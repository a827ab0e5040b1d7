"""The workshops blueprint; its pages are split by job across the *_views modules."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)
