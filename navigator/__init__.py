"""Navigator: a directory of community services and referrals for probation."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from navigator import models, web  # noqa: F401 - models: every table registered on the metadata
from navigator import views as main_views
from navigator.admin import views as admin_views
from navigator.auth import views as auth_views
from navigator.auth.services import load_user
from navigator.cli import register_cli
from navigator.config import DEFAULT_SECRET_KEY, instance_path_from_env, load_config
from navigator.directory import views as directory_views
from navigator.directory.interop import api as interop_api
from navigator.directory.interop import views as interop_views
from navigator.directory.search import views as search_views
from navigator.extensions import csrf, db, login_manager, migrate
from navigator.logs import configure_logging
from navigator.referrals import views as referrals_views
from navigator.reports import views as reports_views
from navigator.sqlite import configure_sqlite

PACKAGE_DIR = Path(__file__).resolve().parent
BLUEPRINTS = (main_views.bp, auth_views.bp, admin_views.bp, directory_views.bp, search_views.bp,
              interop_api.bp, interop_views.bp, referrals_views.bp, reports_views.bp)


def _template_folder() -> str:
    # Installed wheels carry templates inside the package; a checkout keeps them at the top.
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError("Navigator's templates folder is missing")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, web plumbing, CLI."""
    app = Flask(
        __name__,
        instance_path=instance_path_from_env(),
        instance_relative_config=True,
        template_folder=_template_folder(),
        static_folder="static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    _refuse_unsafe_production(app)
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    register_extensions(app)
    register_blueprints(app)
    web.register_web(app)
    register_cli(app)
    return app


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (
        DEFAULT_SECRET_KEY,
        "",
    ):
        raise RuntimeError("Set NAVIGATOR_SECRET_KEY: refusing to start in production with the default key")


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue"
    login_manager.session_protection = "strong"

    login_manager.user_loader(load_user)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine)


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
