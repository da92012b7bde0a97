"""`navigator geodata load-boundaries|load-population|load-pdus PATH` for report geography.

The `geodata` group itself is put together in navigator/cli.py.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from navigator.errors import ValidationError
from navigator.reports.geodata import load_boundaries, load_pdus, load_population


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
    _run(load_boundaries, source, "local authority boundaries")


@click.command("load-population")
@click.argument("source")
@with_appcontext
def load_population_command(source: str):
    """Load census 2021 population, ethnic group and religion shares (CSV file or URL)."""
    _run(load_population, source, "local authority populations")


@click.command("load-pdus")
@click.argument("source")
@with_appcontext
def load_pdus_command(source: str):
    """Load probation regions and delivery units (CSV file or URL)."""
    _run(load_pdus, source, "rows of probation geography")

