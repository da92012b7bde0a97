"""Directory commands: `navigator check-links`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from navigator.directory import linkcheck


@click.command("check-links")
@click.option("--workers", default=linkcheck.DEFAULT_WORKERS, show_default=True,
              type=click.IntRange(1, 32), help="How many sites to check at once.")
@click.option("--timeout", default=linkcheck.DEFAULT_TIMEOUT, show_default=True,
              type=click.FloatRange(0.1, 120), help="Seconds to wait for each site.")
@click.option("--max-redirects", default=linkcheck.DEFAULT_MAX_REDIRECTS, show_default=True,
              type=click.IntRange(0, 30), help="Redirects to follow before giving up.")
@with_appcontext
def check_links_command(workers: int, timeout: float, max_redirects: int):
    """Check every service's website; broken links appear in the verification queue."""
    report = linkcheck.check_all_links(workers=workers, timeout=timeout, max_redirects=max_redirects)
    click.echo(f"Checked {report['checked']} service websites: {report['ok']} ok, "
               f"{report['broken']} broken.")
    for name, url, error in report["broken_services"]:
        click.echo(f"  BROKEN  {name}: {url} ({error})")
