"""Directory search: the index contract other areas call, and the backend in use.

Call `reindex_services(ids)` AFTER committing a change to those services (or to their
organisation or locations); call `rebuild_index()` to rebuild from the database.

Backends: Whoosh (whoosh-reloaded 2.7.5, the embedded default; see whoosh_backend.py for
why the fork) and PostgreSQL full-text search, chosen when SEARCH_BACKEND=postgres and the
database is PostgreSQL. The index is derived data: if it is missing or damaged, or an update
failed, it is rebuilt from the database before the next search.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from flask import current_app

from navigator.directory.search.backend import SearchBackend
from navigator.extensions import db

log = logging.getLogger(__name__)

_EXTENSION_KEY = "navigator.search"


def backend_name() -> str:
    wanted = (current_app.config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if wanted in ("postgres", "postgresql"):
        if db.engine.dialect.name == "postgresql":
            return "postgres"
        log.warning("SEARCH_BACKEND=postgres needs a PostgreSQL database; using Whoosh")
    return "whoosh"


def get_backend() -> SearchBackend:
    """The backend for this app, created once per process and configuration."""
    name = backend_name()
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    cache = current_app.extensions.setdefault(_EXTENSION_KEY, {})
    key = (name, index_dir)
    backend = cache.get(key)
    if backend is None:
        if name == "postgres":
            from navigator.directory.search.postgres_backend import PostgresBackend

            backend = PostgresBackend()
        else:
            from navigator.directory.search.whoosh_backend import WhooshBackend

            backend = WhooshBackend(index_dir)
        cache[key] = backend
    return backend


def _marker_path() -> str:
    return current_app.config["SEARCH_INDEX_DIR"].rstrip("/\\") + ".needs-rebuild"


def mark_for_rebuild(reason: str) -> None:
    """Remember that the index missed an update; the next search or update rebuilds it."""
    try:
        path = _marker_path()
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8") as marker:
            marker.write(reason[:200])
    except OSError:
        log.exception("could not mark the search index for rebuild")


def is_marked_for_rebuild() -> bool:
    return os.path.exists(_marker_path())


def _forget_cached_reads() -> None:
    from navigator.directory.search.queries import OPEN_CACHE_KEY

    current_app.extensions.pop(OPEN_CACHE_KEY, None)


def _end_read() -> None:
    # Our reads opened a transaction (on SQLite, one holding the write lock); end it, but
    # never discard a caller's unflushed work if they called us before committing.
    session = db.session
    if not (session.new or session.dirty or session.deleted):
        session.rollback()


def reindex_services(service_ids: Iterable[str]) -> None:
    """Index listed services among these ids and remove the others. Never raises.

    Call after the commit that changed them. On any failure the error is logged and the
    index is marked for a rebuild from the database, so search never stays wrong.
    """
    from navigator.directory.search.documents import documents_for

    ids = [i for i in dict.fromkeys(service_ids) if i]
    if not ids:
        return
    _forget_cached_reads()
    try:
        backend = get_backend()
        if is_marked_for_rebuild() or backend.needs_rebuild():
            rebuild_index()
            return
        documents, remove = documents_for(ids)
        backend.index(documents, remove)
    except Exception:  # noqa: BLE001 - the caller's change is committed; the index is derived
        log.exception("search index update failed for %d service(s); marked for rebuild", len(ids))
        mark_for_rebuild("update failed")
    finally:
        _end_read()


def rebuild_index() -> int:
    """Rebuild the whole index from the database; returns how many services are indexed."""
    from navigator.directory.search.documents import all_documents

    _forget_cached_reads()
    try:
        count = get_backend().rebuild(all_documents())
    finally:
        _end_read()
    try:
        os.remove(_marker_path())
    except FileNotFoundError:
        pass
    log.info("search index rebuilt: %d services", count)
    return count


def ensure_index_ready() -> None:
    """Rebuild before searching when the index is missing, damaged or missed an update.

    If only an update was missed and the rebuild cannot run now (another writer holds the
    lock, say), the search goes ahead on the slightly stale index and the marker stays for
    the next attempt; only an index that cannot be read at all lets the error through.
    """
    backend = get_backend()
    damaged = backend.needs_rebuild()
    if not (damaged or is_marked_for_rebuild()):
        return
    try:
        rebuild_index()
    except Exception:
        if damaged or backend.needs_rebuild():
            raise
        log.exception("search index rebuild failed; searching the existing index meanwhile")
