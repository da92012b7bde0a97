"""`navigator geodata load-boundaries|load-population|load-pdus PATH` for report geography.

The `geodata` group belongs to the geocoding area (its `load` command); these commands join
it, or create the group when that area is not installed.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from navigator.errors import ValidationError


@click.group("geodata")
def _own_geodata_group():
    """Load reference geography (postcode districts, boundaries, population, PDUs)."""


def _run(loader, source: str, what: str) -> None:
    try:
        report = loader(source)
    except ValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(report.summary(what))
    for number, reason in report.rejected[:50]:
        click.echo(f"  rejected {number}: {reason}", err=True)
    if len(report.rejected) > 50:
        click.echo(f"  ... and {len(report.rejected) - 50} more", err=True)


@click.command("load-boundaries")
@click.argument("source")
@with_appcontext
def load_boundaries_command(source: str):
    """Load local authority boundaries from a GeoJSON file or URL."""
    from navigator.reports.geodata import load_boundaries

    _run(load_boundaries, source, "local authority boundaries")


@click.command("load-population")
@click.argument("source")
@with_appcontext
def load_population_command(source: str):
    """Load census 2021 population, ethnic group and religion shares (CSV file or URL)."""
    from navigator.reports.geodata import load_population

    _run(load_population, source, "local authority populations")


@click.command("load-pdus")
@click.argument("source")
@with_appcontext
def load_pdus_command(source: str):
    """Load probation regions and delivery units (CSV file or URL)."""
    from navigator.reports.geodata import load_pdus

    _run(load_pdus, source, "rows of probation geography")


def register(cli_group) -> None:
    group = cli_group.commands.get("geodata")
    if group is None:
        group = _own_geodata_group
        cli_group.add_command(group)
    for command in (load_boundaries_command, load_population_command, load_pdus_command):
        group.add_command(command)
