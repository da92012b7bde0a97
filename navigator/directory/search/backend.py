"""The SearchBackend interface and the plain values that cross it.

A backend answers one question: given parsed text, facet filters and an optional set of
allowed services (those near a postcode, or open now), which listed services match, in
what order, and how many would match each facet value. Distance and opening hours are
worked out in SQL by the caller, so both backends share them exactly.
"""
from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field

from navigator.directory.search.documents import ServiceDocument
from navigator.directory.search.synonyms import ParsedQuery

RELEVANCE = "relevance"
DISTANCE = "distance"


@dataclass
class SearchQuery:
    parsed: ParsedQuery
    # facet name -> selected values (OR within a facet, AND across facets)
    filters: dict[str, frozenset[str]] = field(default_factory=dict)
    # service id -> miles (None: covers everywhere); None means no distance restriction
    near: dict[str, float | None] | None = None
    # facets whose members are computed outside the index: facet -> {value: service ids}
    computed: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    sort: str = RELEVANCE
    offset: int = 0
    limit: int = 20


@dataclass
class Hit:
    service_id: str
    score: float | None = None
    distance_miles: float | None = None


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    # facet name -> value -> count (counted with every other facet's filter applied)
    facets: dict[str, dict[str, int]]


class SearchBackend(abc.ABC):
    """What the search service needs from an engine; see tests/search/test_contract.py."""

    name: str = "abstract"

    @abc.abstractmethod
    def index(self, documents: Iterable[ServiceDocument], remove_ids: Iterable[str]) -> None:
        """Add or replace these documents and remove these service ids, atomically."""

    @abc.abstractmethod
    def rebuild(self, documents: Iterable[ServiceDocument]) -> int:
        """Replace the whole index with these documents; returns how many."""

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run a query; must accept any ParsedQuery and facet values without raising."""

    @abc.abstractmethod
    def needs_rebuild(self) -> bool:
        """Whether the index is missing or damaged and must be rebuilt from the database."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections held between requests."""
