"""`navigator search-index rebuild`: restore the search index from the database."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from navigator.directory.search import backend_name, rebuild_index


@click.group("search-index")
def search_index_group():
    """Manage the directory search index (derived from the database)."""


@search_index_group.command("rebuild")
@with_appcontext
def rebuild_command():
    """Rebuild the search index from the database (safe at any time)."""
    started = time.perf_counter()
    count = rebuild_index()
    click.echo(f"Search index rebuilt ({backend_name()}): {count} services "
               f"in {time.perf_counter() - started:.1f}s")

