"""The `navigator` command: init, seed, users, and each area's commands."""
from __future__ import annotations

import importlib
import secrets

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

# Areas that add their own commands expose `register(cli_group)`.
AREA_COMMANDS: list[str] = [
    "navigator.directory.geocoding.cli",
    "navigator.reports.cli",  # after geocoding: it joins their `geodata` group
    "navigator.directory.interop.cli",
    "navigator.directory.search.cli",
    "navigator.directory.cli",
]


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(users_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    for module_name in AREA_COMMANDS:
        importlib.import_module(module_name).register(app.cli)


def _create_app():
    from navigator import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             add_version_option=False, load_dotenv=False)
def main():
    """Navigator: community services directory and referrals for probation."""


@click.command("init")
@with_appcontext
def init_command():
    """Create the database or bring it up to date (Alembic migrations)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"Database ready: {_redacted_url()}")


def _redacted_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )


@click.command("seed")
@click.option("--password", envvar="NAVIGATOR_DEMO_PASSWORD", default="",
              help="Password for the demo users (default: a random one, printed).")
@click.option("--caseload/--no-caseload", default=True,
              help="Also load the fictional demo caseload: people, consents and referrals (default: on).")
@with_appcontext
def seed_command(password: str, caseload: bool):
    """Load the demo directory and demo users (idempotent)."""
    from navigator import seed
    from navigator.errors import ValidationError

    password = password or secrets.token_urlsafe(12)
    try:
        report = seed.load_demo(password)
    except ValidationError as exc:
        problems = "; ".join(m for msgs in exc.errors.values() for m in msgs)
        raise click.ClickException(f"{exc.message}: {problems}") from exc
    except seed.SeedDataError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Demo data: {report['services']} services, {report['organisations']} organisations, "
               f"{report['districts']} postcode districts.")
    if report["users_created"]:
        click.echo(f"Demo sign-ins (password: {password}):")
        for email, role in report["users_created"]:
            click.echo(f"  {role:<13} {email}")
    else:
        click.echo("Demo users already exist; their passwords were not changed.")
    if caseload:
        from navigator.demo_caseload import CaseloadError, load_demo_caseload

        try:
            demo = load_demo_caseload(password)
        except CaseloadError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(demo.summary())
        if demo.users_created and not report["users_created"]:
            click.echo(f"  (their password: {password})")


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["navigator", "practitioner", "provider", "commissioner", "admin"]))
@click.option("--organisation", "organisation_name", default=None,
              help="Organisation name (providers only).")
@click.password_option(envvar="NAVIGATOR_NEW_USER_PASSWORD")
@with_appcontext
def users_create(email, name, role, organisation_name, password):
    """Create a user account."""
    from navigator.auth.services import create_user
    from navigator.directory.queries import get_organisation_by_name
    from navigator.errors import ValidationError

    org_id = None
    if organisation_name:
        org = get_organisation_by_name(organisation_name)
        if org is None:
            raise click.ClickException(f"No organisation named {organisation_name!r}")
        org_id = org.id
    try:
        user = create_user(email, name, role, password, org_id)
    except ValidationError as exc:
        raise click.ClickException(
            "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in exc.errors.items())
        ) from exc
    click.echo(f"Created {user.role.value} {user.email}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target: str):
    """Write a consistent backup of the database to TARGET."""
    from navigator.backup import backup_database
    from navigator.errors import ValidationError

    try:
        path = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except ValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Backup written to {path}")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: str, yes: bool):
    """Replace the database with the backup in SOURCE, then rebuild the search index."""
    from navigator.backup import restore_database
    from navigator.errors import ValidationError
    from navigator.extensions import db

    if not yes:
        click.confirm(f"Replace everything in {_redacted_url()} with {source}?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except ValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo("Database restored.")
    try:
        from navigator.directory.search import rebuild_index
    except ImportError:
        return
    click.echo(f"Search index rebuilt: {rebuild_index()} services.")


if __name__ == "__main__":
    main()
