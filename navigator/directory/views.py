"""Directory pages for navigators: organisations, services, locations, queues."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__)
