"""Embedded search with whoosh-reloaded (the default backend).

We use the `whoosh-reloaded` 2.7.5 fork rather than PyPI `Whoosh` 2.7.4: it is a drop-in
replacement (same `whoosh` package) and, unlike 2.7.4, compiles without SyntaxWarnings on
Python 3.12+ (invalid escape sequences in the original), so a warnings-as-errors run stays clean.

The index lives in SEARCH_INDEX_DIR (the instance folder by default). It is derived data:
Whoosh commits atomically (a new table-of-contents generation is written last), so a crash
mid-write leaves the previous generation readable; if the directory is missing or cannot
be opened, `needs_rebuild()` says so and the caller rebuilds it from the database.

One writer at a time: writers wait up to WRITE_LOCK_TIMEOUT seconds for Whoosh's file lock.
The searcher is opened once per process and reopened only when the index has changed.
Facet counts use per-generation bitmaps (one Python int per facet value), so counting is
a popcount rather than a walk over matching documents.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterable

from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.query import And, Not, Or, Phrase, Term
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


class _Generation:
    """What one searcher generation knows: doc numbers, names, facet bitmaps."""

    def __init__(self, searcher):
        self.searcher = searcher
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.ids: list[str | None] = [None] * self.size
        self.names: list[str] = [""] * self.size
        self.docnum_of: dict[str, int] = {}
        alive = bytearray((self.size + 7) // 8)
        for docnum, stored in reader.iter_docs():
            self.ids[docnum] = stored["id"]
            self.names[docnum] = stored.get("name", "")
            self.docnum_of[stored["id"]] = docnum
            alive[docnum >> 3] |= 1 << (docnum & 7)
        self.alive = int.from_bytes(alive, "little")
        self.tag_masks: dict[str, int] = {}
        if "tags" in reader.indexed_field_names():
            for term in reader.lexicon("tags"):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                bits = bytearray((self.size + 7) // 8)
                for docnum in reader.postings("tags", term).all_ids():
                    bits[docnum >> 3] |= 1 << (docnum & 7)
                self.tag_masks[value] = int.from_bytes(bits, "little") & self.alive

    def mask_of(self, docnums: Iterable[int]) -> int:
        bits = bytearray((self.size + 7) // 8)
        for docnum in docnums:
            bits[docnum >> 3] |= 1 << (docnum & 7)
        return int.from_bytes(bits, "little")

    @staticmethod
    def docnums(mask: int) -> list[int]:
        text = bin(mask)[:1:-1]
        return [i for i, ch in enumerate(text) if ch == "1"]


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self._lock = threading.RLock()
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
    def _writer(self):
        try:
            return self._open().writer(timeout=WRITE_LOCK_TIMEOUT, delay=0.05)
        except LockError:
            log.error("search index writer lock not released within %ss", WRITE_LOCK_TIMEOUT)
            raise

    def index(self, documents: Iterable[ServiceDocument], remove_ids: Iterable[str]) -> None:
        if not whoosh_index.exists_in(self.index_dir, indexname=INDEX_NAME):
            raise FileNotFoundError("search index missing")
        writer = self._writer()
        try:
            for service_id in remove_ids:
                writer.delete_by_term("id", service_id)
            for doc in documents:
                writer.update_document(id=doc.service_id, name=doc.name, body=doc.body,
                                       tags=" ".join(doc.tags))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents: Iterable[ServiceDocument]) -> int:
        """Replace every document in one commit; readers see the old or the new index, never half.

        The new documents go into a fresh segment and the commit drops all older ones
        (CLEAR), so other processes holding a searcher simply refresh to the new generation.
        A missing or unreadable index, or one built with another schema, is recreated.
        """
        with self._lock:
            self._drop_handles()
            ix = self._open_or_create()
            count = 0
            writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT, delay=0.05, limitmb=256)
            try:
                for doc in documents:
                    writer.add_document(id=doc.service_id, name=doc.name, body=doc.body,
                                        tags=" ".join(doc.tags))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR)
            self._index = ix
            return count

    def _open_or_create(self):
        wanted = _schema()
        try:
            ix = whoosh_index.open_dir(self.index_dir, indexname=INDEX_NAME)
            if sorted(ix.schema.names()) == sorted(wanted.names()):
                return ix
            ix.close()
        except Exception:  # noqa: BLE001 - missing or damaged: start again, it is derived data
            log.warning("recreating search index in %s", self.index_dir)
        shutil.rmtree(self.index_dir, ignore_errors=True)
        os.makedirs(self.index_dir, exist_ok=True)
        return whoosh_index.create_in(self.index_dir, wanted, indexname=INDEX_NAME)

    # -- reading -------------------------------------------------------------------------
    def _text_query(self, parsed: ParsedQuery, analyzer):
        def alternative(text: str):
            words = [t.text for t in analyzer(text, mode="query")]
            if not words:
                return None
            if len(words) == 1:
                return Or([Term("name", words[0]), Term("body", words[0])])
            return Or([Phrase("name", words), Phrase("body", words)])

        required, excluded = [], []
        for group in parsed.groups:
            options = [q for q in (alternative(a) for a in group.alternatives) if q is not None]
            if not options:
                continue
            (excluded if group.exclude else required).append(Or(options) if len(options) > 1 else options[0])
        if not required:
            return None
        query = And(required) if len(required) > 1 else required[0]
        if excluded:
            query = And([query, Not(Or(excluded))])
        return query

    def search(self, query: SearchQuery) -> SearchResults:
        gen = self._current()
        searcher = gen.searcher
        base = gen.alive
        text_query = None
        scores: dict[int, float] = {}
        if query.parsed.has_terms:
            text_query = self._text_query(query.parsed, searcher.schema["body"].analyzer)
            if text_query is None:
                return SearchResults(0, [], {})
            # One scored pass gives both the matching set (for facet counts) and the
            # relevance order; filtering by facets and distance happens on the bitmaps.
            matched = searcher.search(text_query, limit=None, scored=query.sort != DISTANCE)
            scores = {docnum: score for score, docnum in matched.top_n}
            base &= gen.mask_of(scores)
        if query.near is not None:
            base &= gen.mask_of(gen.docnum_of[i] for i in query.near if i in gen.docnum_of)

        facet_masks: dict[str, int] = {}
        for facet, values in query.filters.items():
            mask = 0
            for value in values:
                mask |= gen.tag_masks.get(f"{facet}:{value}", 0)
            facet_masks[facet] = mask
        computed_masks: dict[str, dict[str, int]] = {
            facet: {value: gen.mask_of(gen.docnum_of[i] for i in ids if i in gen.docnum_of)
                    for value, ids in members.items()}
            for facet, members in query.computed.items()
        }

        def restricted(except_facet: str | None) -> int:
            mask = base
            for facet, fmask in facet_masks.items():
                if facet != except_facet:
                    mask &= fmask
            return mask

        results_mask = restricted(None)
        facets: dict[str, dict[str, int]] = {}
        for tag_name, tag_mask in gen.tag_masks.items():
            facet, _, value = tag_name.partition(":")
            scope = restricted(facet) if facet in facet_masks else results_mask
            count = (scope & tag_mask).bit_count()
            if count:
                facets.setdefault(facet, {})[value] = count
        for facet, members in computed_masks.items():
            for value, mask in members.items():
                count = (results_mask & mask).bit_count()
                if count:
                    facets.setdefault(facet, {})[value] = count

        total = results_mask.bit_count()
        hits = self._order(gen, query, scores if text_query is not None else None, results_mask, total)
        return SearchResults(total, hits, facets)

    def _order(self, gen: _Generation, query: SearchQuery, scores: dict[int, float] | None,
               mask: int, total: int) -> list[Hit]:
        if total == 0 or query.offset >= total:
            return []
        near = query.near or {}
        end = query.offset + query.limit
        docnums = _Generation.docnums(mask)
        if query.sort == DISTANCE and query.near is not None:
            keyed = sorted(
                docnums,
                key=lambda d: (near.get(gen.ids[d]) is None, near.get(gen.ids[d]) or 0.0,
                               gen.names[d].casefold(), gen.ids[d]),
            )
            return [Hit(gen.ids[d], None, near.get(gen.ids[d])) for d in keyed[query.offset:end]]
        if scores is None:
            keyed = sorted(docnums, key=lambda d: (gen.names[d].casefold(), gen.ids[d]))
            return [Hit(gen.ids[d], None, near.get(gen.ids[d])) for d in keyed[query.offset:end]]
        # Scores rounded so that float noise never beats the name order on a tie.
        keyed = sorted(docnums, key=lambda d: (-round(scores[d], 6), gen.names[d].casefold(), gen.ids[d]))
        return [Hit(gen.ids[d], scores[d], near.get(gen.ids[d])) for d in keyed[query.offset:end]]
