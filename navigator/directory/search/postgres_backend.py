"""PostgreSQL full-text search backend, for deployments with several web workers.

The index is the `search_documents` table (see models.py): a weighted tsvector with a GIN
index and a text[] of facet tags with a GIN index, written in the same way as the Whoosh
index (after each commit, by service id). Every term alternative goes through
`websearch_to_tsquery('english', ...)`, which accepts any text without a syntax error; the
alternatives are combined with tsquery_or / tsquery_and / tsquery_not so that both
backends give the same meaning to a ParsedQuery.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Float,
    String,
    Text,
    any_,
    cast,
    delete,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, insert

from navigator.database import utcnow
from navigator.directory.search.backend import (
    DISTANCE,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResults,
)
from navigator.directory.search.documents import ServiceDocument
from navigator.directory.search.models import SearchDocument as D
from navigator.directory.search.synonyms import ParsedQuery
from navigator.extensions import db

CONFIG = "english"


def _tsvector(name, body):
    config = cast(CONFIG, REGCONFIG)
    return func.setweight(func.to_tsvector(config, name), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector(config, body), literal_column("'B'"))
    )


def _text_array(values) -> object:
    return cast(literal(list(values), ARRAY(Text)), ARRAY(Text))


class PostgresBackend(SearchBackend):
    name = "postgres"

    _populated = False

    def needs_rebuild(self) -> bool:
        """True when the table is empty but listed services exist (e.g. just switched backend)."""
        if self._populated:
            return False
        from navigator.directory.models import Service
        from navigator.directory.search.documents import listed_filter

        if db.session.scalar(select(D.service_id).limit(1)) is not None:
            self._populated = True
            return False
        return db.session.scalar(select(Service.id).where(*listed_filter()).limit(1)) is not None

    def _rows(self, documents: Iterable[ServiceDocument]) -> list[dict]:
        return [{"service_id": d.service_id, "name": d.name, "body": d.body, "tags": d.tags}
                for d in documents]

    def _upsert(self, conn, rows: list[dict]) -> None:
        if not rows:
            return
        stmt = insert(D).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[D.service_id],
            set_={"name": stmt.excluded.name, "body": stmt.excluded.body, "tags": stmt.excluded.tags,
                  "indexed_at": utcnow()},
        )
        conn.execute(stmt)
        conn.execute(
            D.__table__.update()
            .where(D.service_id.in_([r["service_id"] for r in rows]))
            .values(tsv=_tsvector(D.name, D.body))
        )

    def index(self, documents: Iterable[ServiceDocument], remove_ids: Iterable[str]) -> None:
        rows = self._rows(documents)
        remove = list(remove_ids)
        with db.engine.begin() as conn:
            if remove:
                conn.execute(delete(D).where(D.service_id.in_(remove)))
            for start in range(0, len(rows), 500):
                self._upsert(conn, rows[start:start + 500])

    def rebuild(self, documents: Iterable[ServiceDocument]) -> int:
        count = 0
        with db.engine.begin() as conn:
            conn.execute(delete(D))
            batch: list[ServiceDocument] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= 500:
                    self._upsert(conn, self._rows(batch))
                    count += len(batch)
                    batch = []
            self._upsert(conn, self._rows(batch))
            count += len(batch)
        return count

    # -- reading -------------------------------------------------------------------------
    @staticmethod
    def _tsquery(parsed: ParsedQuery):
        config = cast(CONFIG, REGCONFIG)

        def group_query(alternatives: tuple[str, ...]):
            parts = [func.websearch_to_tsquery(config, literal(f'"{alt}"', String)) for alt in alternatives]
            out = parts[0]
            for part in parts[1:]:
                out = func.tsquery_or(out, part)
            return out

        required = [group_query(g.alternatives) for g in parsed.groups if not g.exclude]
        excluded = [group_query(g.alternatives) for g in parsed.groups if g.exclude]
        if not required:
            return None
        out = required[0]
        for part in required[1:]:
            out = func.tsquery_and(out, part)
        for part in excluded:
            out = func.tsquery_and(out, func.tsquery_not(part))
        return out

    def search(self, query: SearchQuery) -> SearchResults:
        tsq = self._tsquery(query.parsed) if query.parsed.has_terms else None
        source = D.__table__
        base: list = []
        near = None
        if tsq is not None:
            base.append(D.tsv.op("@@")(tsq))
        if query.near is not None:
            ids = list(query.near)
            near = (
                text("SELECT * FROM unnest(CAST(:near_ids AS text[]), CAST(:near_miles AS float8[])) "
                     "AS near(id, miles)")
                .bindparams(near_ids=ids, near_miles=[query.near[i] for i in ids])
                .columns(id=Text, miles=Float)
                .subquery("near")
            )
            source = source.join(near, near.c.id == D.service_id)
        facet_conds = {
            facet: D.tags.op("&&")(_text_array(f"{facet}:{v}" for v in sorted(values)))
            for facet, values in query.filters.items()
        }

        def restricted(except_facet: str | None) -> list:
            return base + [cond for facet, cond in facet_conds.items() if facet != except_facet]

        results_where = restricted(None)
        session = db.session
        tags_fn = func.unnest(D.tags).table_valued("tag").render_derived(with_types=False).lateral("t")
        tag = tags_fn.c.tag
        tagged = source.join(tags_fn, true())
        facets: dict[str, dict[str, int]] = {}

        def add_counts(rows, only_facet: str | None = None):
            for tag_value, count in rows:
                facet, _, value = tag_value.partition(":")
                if only_facet is None or facet == only_facet:
                    if only_facet is None and facet in facet_conds:
                        continue
                    facets.setdefault(facet, {})[value] = count

        add_counts(session.execute(
            select(tag, func.count()).select_from(tagged).where(*results_where).group_by(tag)))
        for facet in facet_conds:
            add_counts(session.execute(
                select(tag, func.count()).select_from(tagged)
                .where(*restricted(facet), tag.like(f"{facet}:%")).group_by(tag)), facet)
        for facet, members in query.computed.items():
            for value, ids in members.items():
                count = session.scalar(
                    select(func.count()).select_from(source)
                    .where(*results_where, D.service_id == any_(_text_array(sorted(ids)))))
                if count:
                    facets.setdefault(facet, {})[value] = count
        # Facets that matched nothing are left out, as the Whoosh backend does.
        facets = {f: {v: c for v, c in vals.items() if c} for f, vals in facets.items()}
        facets = {f: vals for f, vals in facets.items() if vals}

        total = session.scalar(select(func.count()).select_from(source).where(*results_where)) or 0
        if total == 0 or query.offset >= total:
            return SearchResults(total, [], facets)

        rank = func.ts_rank(D.tsv, tsq) if tsq is not None else cast(null(), Float)
        miles = near.c.miles if near is not None else cast(null(), Float)
        rank_col, miles_col = rank.label("rank"), miles.label("miles")
        order = []
        if query.sort == DISTANCE and near is not None:
            order += [near.c.miles.is_(None), near.c.miles]
        elif tsq is not None:
            order.append(rank.desc())
        # Byte order ("C") so ties sort exactly as Python sorts them in the Whoosh backend.
        order += [func.lower(D.name).collate("C"), D.service_id.collate("C")]
        rows = session.execute(
            select(D.service_id, rank_col, miles_col).select_from(source).where(*results_where)
            .order_by(*order).offset(query.offset).limit(query.limit)
        )
        hits = [Hit(sid, float(score) if score is not None else None, dist) for sid, score, dist in rows]
        return SearchResults(total, hits, facets)

