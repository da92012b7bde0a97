"""The `navigator` commands: init, seed, users, backup, and each area's commands in their groups.

Every group is put together here, once; the areas hold the commands themselves. The entry
point that runs them is navigator/__main__.py.
"""
from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from navigator.demo import caseload as demo_caseload
from navigator.demo import directory as demo_directory
from navigator.directory import cli as directory_cli
from navigator.directory.geocoding import cli as geocoding_cli
from navigator.directory.interop import cli as interop_cli
from navigator.directory.search import cli as search_cli
from navigator.reports import cli as reports_cli


def register_cli(app: Flask) -> None:
    """Attach every command and group to the app's `flask`/`navigator` command line."""
    for command in (init_command, seed_command, users_group, backup_command, restore_command,
                    directory_cli.check_links_command, search_cli.search_index_group,
                    _group("geodata", "Load reference geography: postcode districts, boundaries, "
                                      "population, probation regions and PDUs; geocode again.",
                           geocoding_cli.load_command, geocoding_cli.geocode_command,
                           reports_cli.load_boundaries_command, reports_cli.load_population_command,
                           reports_cli.load_pdus_command),
                    _group("import", "Import directory data.", interop_cli.import_oruk),
                    _group("export", "Export directory data.", interop_cli.export_oruk,
                           interop_cli.export_hsds_csv)):
        app.cli.add_command(command)


def _group(name: str, help_text: str, *commands: click.Command) -> click.Group:
    return click.Group(name, help=help_text, commands=list(commands))


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
    from navigator.errors import ValidationError

    password = password or secrets.token_urlsafe(12)
    try:
        report = demo_directory.load_demo(password)
    except ValidationError as exc:
        problems = "; ".join(m for msgs in exc.errors.values() for m in msgs)
        raise click.ClickException(f"{exc.message}: {problems}") from exc
    except demo_directory.SeedDataError as exc:
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
        try:
            demo = demo_caseload.load_demo_caseload(password)
        except demo_caseload.CaseloadError as exc:
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

