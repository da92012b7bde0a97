"""`navigator geodata load|geocode`: load postcode-district centroids; geocode locations again.

The `geodata` group itself is put together in navigator/cli.py.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from navigator.directory.geocoding.districts import load_postcode_districts
from navigator.directory.geocoding.services import regeocode_locations
from navigator.errors import ValidationError


@click.command("load")
@click.argument("source")
@click.option("--show-rejected", default=20, show_default=True,
              help="How many rejected rows to list (0 for none, -1 for all).")
@with_appcontext
def load_command(source: str, show_rejected: int):
    """Load postcode-district centroids from a CSV file PATH or http(s) URL."""
    try:
        report = load_postcode_districts(source)
    except ValidationError as exc:
        details = "; ".join(m for msgs in exc.errors.values() for m in msgs)
        raise click.ClickException(f"{exc.message}: {details}" if details else exc.message) from exc
    click.echo(f"Postcode districts loaded: {report.loaded} "
               f"({report.created} new, {report.updated} updated); rejected: {len(report.rejected)}.")
    shown = report.rejected if show_rejected < 0 else report.rejected[:show_rejected]
    for row in shown:
        click.echo(f"  rejected {row}")
    if len(shown) < len(report.rejected):
        click.echo(f"  ... and {len(report.rejected) - len(shown)} more (use --show-rejected -1)")


@click.command("geocode")
@click.option("--status", "statuses", multiple=True, default=["unresolved"], show_default=True,
              type=click.Choice(["unresolved", "approximate", "ok"]),
              help="Which locations to geocode again (repeat for several).")
@click.option("--offline", is_flag=True, help="Do not use online geocoders even if configured.")
@with_appcontext
def geocode_command(statuses: tuple[str, ...], offline: bool):
    """Geocode saved locations again (e.g. after loading the national district table)."""
    report = regeocode_locations(statuses, allow_online=not offline)
    click.echo(f"Locations checked: {report.checked}; changed: {report.changed}; "
               f"left for next time (edited meanwhile): {report.skipped_in_use}.")
    for status, count in sorted(report.statuses.items()):
        click.echo(f"  {status}: {count}")

