"""Embedded search with whoosh-reloaded (the default backend).

We use the `whoosh-reloaded` 2.7.5 fork rather than PyPI `Whoosh` 2.7.4: it is a drop-in
replacement (same `whoosh` package) and, unlike 2.7.4, compiles without SyntaxWarnings on
Python 3.12+ (invalid escape sequences in the original), so a warnings-as-errors run stays clean.

The index lives in SEARCH_INDEX_DIR (the instance folder by default). It is derived data:
Whoosh commits atomically (a new table-of-contents generation is written last), so a crash
mid-write leaves the previous generation readable; if the directory is missing or cannot
be opened, `needs_rebuild()` says so and the caller rebuilds it from the database.

One writer at a time: writers wait up to WRITE_LOCK_TIMEOUT seconds for Whoosh's file lock.
We take that lock ourselves and release it in a `finally`, rather than leaving it to the
writer: Whoosh releases its own lock only when commit() or cancel() completes, so a commit
that failed part-way (disk full, a damaged segment) kept the lock for as long as anything
still referenced the writer, e.g. a logged traceback, and every later update then waited
the full timeout and failed in turn.
The searcher is opened once per process and reopened only when the index has changed.
Facet counts use per-generation bitmaps (one Python int per facet value), so counting is
a popcount rather than a walk over matching documents.
"""
from __future__ import annotations

import heapq
import logging
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.query import Phrase, Term
from whoosh.util.filelock import try_for
from whoosh.writing import CLEAR, LockError

from navigator.directory.search.backend import (
    DISTANCE,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResults,
)
from navigator.directory.search.documents import ServiceDocument
from navigator.directory.search.synonyms import STOP_WORDS, ParsedQuery

log = logging.getLogger(__name__)

INDEX_NAME = "services"
WRITE_LOCK_TIMEOUT = 10.0


def _schema() -> Schema:
    analyzer = StemmingAnalyzer(stoplist=STOP_WORDS, minsize=2)
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=analyzer, field_boost=3.0, stored=True),
        body=TEXT(analyzer=analyzer),
        tags=KEYWORD(scorable=False),
    )


def _cancel_quietly(writer) -> None:
    # After a failed commit the writer may be half-closed and cancel() may fail too; the
    # caller's error is the one worth reporting, and the lock is released by our caller.
    if getattr(writer, "is_closed", False):
        return
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001
        log.warning("search index writer could not be cancelled cleanly", exc_info=True)


# For each byte value, the positions of its set bits (turning a bitmap into doc numbers).
_BIT_POSITIONS = tuple(tuple(j for j in range(8) if byte >> j & 1) for byte in range(256))
_LEAF_CACHE_SIZE = 512
_COMPUTED_CACHE_SIZE = 8


class _Generation:
    """What one searcher generation knows: doc numbers, names, facet and term bitmaps.

    Matching is done on bitmaps (one Python int per facet value or query term), so a
    search is a few big-int ANDs and ORs plus a popcount per facet value; only the page
    of results is ever sorted. Term bitmaps and their per-document scores are computed
    by Whoosh the first time a term is searched and kept for this generation.
    """

    def __init__(self, searcher):
        self.searcher = searcher
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.ids: list[str | None] = [None] * self.size
        names: list[str] = [""] * self.size
        self.docnum_of: dict[str, int] = {}
        alive = bytearray((self.size + 7) // 8)
        for docnum, stored in reader.iter_docs():
            self.ids[docnum] = stored["id"]
            names[docnum] = stored.get("name", "")
            self.docnum_of[stored["id"]] = docnum
            alive[docnum >> 3] |= 1 << (docnum & 7)
        self.alive = int.from_bytes(alive, "little")
        # Position of each document in name order (ties by id): the order of equal scores.
        self.name_rank = [0] * self.size
        by_name = sorted(self.docnum_of.values(), key=lambda d: (names[d].casefold(), self.ids[d]))
        for rank, docnum in enumerate(by_name):
            self.name_rank[docnum] = rank
        self.tag_masks: dict[str, int] = {}
        if "tags" in reader.indexed_field_names():
            for term in reader.lexicon("tags"):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                mask = self.mask_of(reader.postings("tags", term).all_ids())
                self.tag_masks[value] = mask & self.alive
        self._leaves: dict[object, tuple[int, dict[int, float]]] = {}
        self._computed: dict[frozenset, int] = {}
        self._cache_lock = threading.Lock()

    def mask_of(self, docnums: Iterable[int]) -> int:
        bits = bytearray((self.size + 7) // 8)
        for docnum in docnums:
            bits[docnum >> 3] |= 1 << (docnum & 7)
        return int.from_bytes(bits, "little")

    @staticmethod
    def docnums(mask: int) -> list[int]:
        out: list[int] = []
        data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
        for index, byte in enumerate(data):
            if byte:
                base = index << 3
                out.extend(base + j for j in _BIT_POSITIONS[byte])
        return out

    def leaf(self, query) -> tuple[int, dict[int, float]]:
        """(bitmap, docnum -> score) for one term or phrase query on one field, cached."""
        key = (type(query).__name__, repr(query))
        found = self._leaves.get(key)
        if found is None:
            matched = self.searcher.search(query, limit=None, scored=True)
            scores = {docnum: score for score, docnum in matched.top_n}
            found = (self.mask_of(scores) & self.alive, scores)
            with self._cache_lock:
                if len(self._leaves) >= _LEAF_CACHE_SIZE:
                    self._leaves.clear()
                self._leaves[key] = found
        return found

    def ids_mask(self, ids: frozenset[str]) -> int:
        """Bitmap of these service ids (cached: the same "open now" set serves many searches)."""
        found = self._computed.get(ids)
        if found is None:
            docnum_of = self.docnum_of
            found = self.mask_of(docnum_of[i] for i in ids if i in docnum_of)
            with self._cache_lock:
                if len(self._computed) >= _COMPUTED_CACHE_SIZE:
                    self._computed.clear()
                self._computed[ids] = found
        return found


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self._lock = threading.RLock()
        # Threads of this process queue here rather than polling the file lock.
        self._write_mutex = threading.Lock()
        self._index = None
        self._generation: _Generation | None = None

    # -- opening -------------------------------------------------------------------------
    def _open(self):
        if self._index is None:
            self._index = whoosh_index.open_dir(self.index_dir, indexname=INDEX_NAME)
        return self._index

    def needs_rebuild(self) -> bool:
        try:
            if not whoosh_index.exists_in(self.index_dir, indexname=INDEX_NAME):
                return True
            with self._lock:
                self._current()
        except Exception:  # noqa: BLE001 - any damage to derived data means "rebuild it"
            log.warning("search index in %s cannot be read; it will be rebuilt", self.index_dir)
            self._drop_handles()
            return True
        return False

    def _drop_handles(self) -> None:
        if self._generation is not None:
            try:
                self._generation.searcher.close()
            except Exception:  # noqa: BLE001 - closing a damaged searcher may fail too
                pass
        self._generation = None
        self._index = None

    def _current(self) -> _Generation:
        """The searcher for the newest committed generation (reused until it changes)."""
        with self._lock:
            generation = self._generation
            if generation is None:
                self._generation = _Generation(self._open().searcher())
            elif not generation.searcher.up_to_date():
                # A fresh searcher, not searcher.refresh(): refresh() reuses the reader of
                # a segment whose deletions changed and so still shows deleted documents.
                # The old searcher is left to the garbage collector: another thread may be
                # in the middle of a search with it.
                self._generation = _Generation(self._open().searcher())
            return self._generation

    def close(self) -> None:
        with self._lock:
            self._drop_handles()

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def _writing(self, ix, **writer_args) -> Iterator:
        """A writer on `ix` holding the index write lock; the lock is always released.

        The body must commit; if anything raises (commit included) the writer is cancelled
        as far as it can be and the lock released before the error goes on.
        """
        if not self._write_mutex.acquire(timeout=WRITE_LOCK_TIMEOUT):
            log.error("search index writer busy in this process for over %ss", WRITE_LOCK_TIMEOUT)
            raise LockError("search index writer busy")
        try:
            lock = ix.lock("WRITELOCK")
            if not try_for(lock.acquire, timeout=WRITE_LOCK_TIMEOUT, delay=0.05):
                log.error("search index writer lock not released within %ss", WRITE_LOCK_TIMEOUT)
                raise LockError("search index write lock held elsewhere")
            try:
                writer = ix.writer(_lk=False, **writer_args)
                try:
                    yield writer
                except BaseException:
                    _cancel_quietly(writer)
                    raise
            finally:
                lock.release()
        finally:
            self._write_mutex.release()

    def index(self, documents: Iterable[ServiceDocument], remove_ids: Iterable[str]) -> None:
        if not whoosh_index.exists_in(self.index_dir, indexname=INDEX_NAME):
            raise FileNotFoundError("search index missing")
        with self._lock:
            ix = self._open()
        with self._writing(ix) as writer:
            for service_id in remove_ids:
                writer.delete_by_term("id", service_id)
            for doc in documents:
                writer.update_document(id=doc.service_id, name=doc.name, body=doc.body,
                                       tags=" ".join(doc.tags))
            writer.commit()

    def rebuild(self, documents: Iterable[ServiceDocument]) -> int:
        """Replace every document in one commit; readers see the old or the new index, never half.

        The new documents go into a fresh segment and the commit drops all older ones
        (CLEAR), so other processes holding a searcher simply refresh to the new generation.
        A missing or unreadable index, or one built with another schema, is recreated.
        Searches in this process carry on with the old generation while this runs.
        """
        ix, recreated = self._open_or_create()
        count = 0
        with self._writing(ix, limitmb=256) as writer:
            for doc in documents:
                writer.add_document(id=doc.service_id, name=doc.name, body=doc.body,
                                    tags=" ".join(doc.tags))
                count += 1
            writer.commit(mergetype=CLEAR)
        with self._lock:
            if recreated:
                self._drop_handles()
            self._index = ix
        return count

    def _open_or_create(self):
        """(index, whether it was recreated): the existing index if readable, else a new one."""
        wanted = _schema()
        try:
            ix = whoosh_index.open_dir(self.index_dir, indexname=INDEX_NAME)
            if sorted(ix.schema.names()) == sorted(wanted.names()):
                return ix, False
            ix.close()
        except Exception:  # noqa: BLE001 - missing or damaged: start again, it is derived data
            log.warning("recreating search index in %s", self.index_dir)
        with self._lock:
            self._drop_handles()
            shutil.rmtree(self.index_dir, ignore_errors=True)
            os.makedirs(self.index_dir, exist_ok=True)
            return whoosh_index.create_in(self.index_dir, wanted, indexname=INDEX_NAME), True

    # -- reading -------------------------------------------------------------------------
    @staticmethod
    def _leaf_queries(parsed: ParsedQuery, analyzer) -> tuple[list[list], list[list]]:
        """Required and excluded groups, each a list of leaf queries (any one may match).

        A leaf is one word or one phrase in one field, the unit whose bitmap and scores
        are cached; a group matches where any of its leaves does.
        """
        required: list[list] = []
        excluded: list[list] = []
        for group in parsed.groups:
            leaves = []
            for alternative in group.alternatives:
                words = [t.text for t in analyzer(alternative, mode="query")]
                if len(words) == 1:
                    leaves += [Term("name", words[0]), Term("body", words[0])]
                elif words:
                    leaves += [Phrase("name", words), Phrase("body", words)]
            if leaves:
                (excluded if group.exclude else required).append(leaves)
        return required, excluded

    def search(self, query: SearchQuery) -> SearchResults:
        gen = self._current()
        base = gen.alive
        scoring: list[dict[int, float]] | None = None
        if query.parsed.has_terms:
            required, excluded = self._leaf_queries(query.parsed, gen.searcher.schema["body"].analyzer)
            if not required:
                return SearchResults(0, [], {})
            scoring = []
            for leaves in required:
                group_mask = 0
                for leaf in leaves:
                    mask, scores = gen.leaf(leaf)
                    group_mask |= mask
                    scoring.append(scores)
                base &= group_mask
            for leaves in excluded:
                for leaf in leaves:
                    base &= ~gen.leaf(leaf)[0]
        if query.near is not None:
            docnum_of = gen.docnum_of
            base &= gen.mask_of(docnum_of[i] for i in query.near if i in docnum_of)

        facet_masks: dict[str, int] = {}
        for facet, values in query.filters.items():
            mask = 0
            for value in values:
                mask |= gen.tag_masks.get(f"{facet}:{value}", 0)
            facet_masks[facet] = mask
        computed_masks: dict[str, dict[str, int]] = {
            facet: {value: gen.ids_mask(ids) for value, ids in members.items()}
            for facet, members in query.computed.items()
        }

        def restricted(except_facet: str | None) -> int:
            mask = base
            for facet, fmask in facet_masks.items():
                if facet != except_facet:
                    mask &= fmask
            return mask

        results_mask = restricted(None)
        # A facet's own selection is left out of its counts (so other values stay choosable).
        scopes = {facet: restricted(facet) for facet in facet_masks}
        facets: dict[str, dict[str, int]] = {}
        for tag_name, tag_mask in gen.tag_masks.items():
            facet, _, value = tag_name.partition(":")
            count = (scopes.get(facet, results_mask) & tag_mask).bit_count()
            if count:
                facets.setdefault(facet, {})[value] = count
        for facet, members in computed_masks.items():
            for value, mask in members.items():
                count = (results_mask & mask).bit_count()
                if count:
                    facets.setdefault(facet, {})[value] = count

        total = results_mask.bit_count()
        hits = self._order(gen, query, scoring, results_mask, total)
        return SearchResults(total, hits, facets)

    def _order(self, gen: _Generation, query: SearchQuery, scoring: list[dict[int, float]] | None,
               mask: int, total: int) -> list[Hit]:
        """The requested page only: a partial sort (heap) over the matches, never a full one."""
        if total == 0 or query.offset >= total:
            return []
        near = query.near or {}
        end = query.offset + query.limit
        docnums = _Generation.docnums(mask)
        ids, rank = gen.ids, gen.name_rank
        if query.sort == DISTANCE and query.near is not None:
            def key(d):
                miles = near.get(ids[d])
                return (miles is None, miles or 0.0, rank[d])

            page = heapq.nsmallest(end, docnums, key=key)[query.offset:]
            return [Hit(ids[d], None, near.get(ids[d])) for d in page]
        if scoring is None:
            page = heapq.nsmallest(end, docnums, key=rank.__getitem__)[query.offset:]
            return [Hit(ids[d], None, near.get(ids[d])) for d in page]
        # Whoosh scores a match as the sum of the scores of the terms it matched; summing the
        # cached per-term scores gives the same number without running its scorer again.
        # Rounded so that float noise never beats the name order on a tie.
        scores = {d: 0.0 for d in docnums}
        for leaf_scores in scoring:
            if len(leaf_scores) < len(scores):
                for d, score in leaf_scores.items():
                    if d in scores:
                        scores[d] += score
            else:
                for d in scores:
                    score = leaf_scores.get(d)
                    if score is not None:
                        scores[d] += score
        page = heapq.nsmallest(end, docnums, key=lambda d: (-round(scores[d], 6), rank[d]))[query.offset:]
        return [Hit(ids[d], scores[d], near.get(ids[d])) for d in page]
