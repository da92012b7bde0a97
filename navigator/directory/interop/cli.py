"""`navigator import oruk PATH_OR_URL` and `navigator export oruk|hsds-csv PATH`.

The `import` and `export` groups are put together in navigator/cli.py.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from navigator.directory.interop import formats
from navigator.directory.interop import queries as q
from navigator.directory.interop.exporter import export_hsds_zip, export_oruk_bytes
from navigator.directory.interop.importer import default_source_name, import_records


@click.command("oruk")
@click.argument("path_or_url")
@click.option("--source", default=None,
              help="A stable name for this feed (default: the web host or the file name without "
                   "its date). Re-imports match records on source + id, so keep it the same.")
@click.option("--show", default=20, show_default=True, help="How many rejected/repaired records to list.")
@with_appcontext
def import_oruk(path_or_url: str, source: str | None, show: int):
    """Import ORUK 3.0 / v1 JSON or an HSDS CSV datapackage (zip or folder) from a path or URL."""
    click.echo(f"Reading {path_or_url} ...")
    try:
        if path_or_url.lower().startswith(("http://", "https://")):
            fmt, records = formats.fetch_url(path_or_url)
        else:
            fmt, records = formats.read_path(path_or_url)
    except formats.FeedError as exc:
        raise click.ClickException(str(exc)) from exc
    source = source or default_source_name(path_or_url)
    click.echo(f"{len(records)} records ({fmt}), source '{source}'")
    with click.progressbar(length=len(records), label="Importing", show_pos=True) as bar:
        report = import_records(records, fmt, source, None, progress=bar.update)
    click.echo(report.summary())
    for reason, count in report.reasons.most_common():
        click.echo(f"  {count:>6}  {reason}")
    for outcome in report.rejected_outcomes[:show]:
        click.echo(f"  rejected #{outcome.index} {outcome.source_id} {outcome.name!r}: "
                   f"{'; '.join(outcome.notes)}")


def _filter(search: str | None, term: str | None):
    flt = q.ServiceFilter(search=search or None)
    if term:
        flt.term_ids = q.resolve_term_ids(term)
        if not flt.term_ids:
            raise click.ClickException(f"No taxonomy term {term!r}")
    return flt


@click.command("oruk")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--search", default=None, help="Only services matching these words.")
@click.option("--term", default=None, help="Only services with this term (e.g. need:accommodation).")
@with_appcontext
def export_oruk(path: str, search: str | None, term: str | None):
    """Write listed services as ORUK 3.0 JSON (one page envelope, fully nested services)."""
    data = export_oruk_bytes(_filter(search, term))
    Path(path).write_bytes(data)
    click.echo(f"Wrote {path} ({len(data)} bytes)")


@click.command("hsds-csv")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--search", default=None, help="Only services matching these words.")
@click.option("--term", default=None, help="Only services with this term (e.g. need:accommodation).")
@with_appcontext
def export_hsds_csv(path: str, search: str | None, term: str | None):
    """Write listed services as an HSDS 3.0 CSV datapackage (a zip file)."""
    data = export_hsds_zip(_filter(search, term))
    Path(path).write_bytes(data)
    click.echo(f"Wrote {path} ({len(data)} bytes)")
