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
    and_,
    case,
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
from navigator.times import utcnow

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
        """Two statements: every count in one pass over the matches, then the page.

        The matches (text and distance) are found once; each selected facet becomes a
        boolean column, so one GROUP BY over the tags counts every facet value both with
        all filters applied and, for a selected facet, with every filter but its own.
        """
        tsq = self._tsquery(query.parsed) if query.parsed.has_terms else None
        source = D.__table__
        where: list = []
        near = None
        if tsq is not None:
            where.append(D.tsv.op("@@")(tsq))
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
        selected = sorted(query.filters)
        flags = [D.tags.op("&&")(_text_array(f"{facet}:{v}" for v in sorted(query.filters[facet])))
                 .label(f"f{n}") for n, facet in enumerate(selected)]
        computed = [(facet, value, frozenset(ids)) for facet, members in sorted(query.computed.items())
                    for value, ids in sorted(members.items())]
        # Computed facets ("open now") join in as extra tags; a hash join on a set of ids,
        # never a per-row scan of an array.
        extra_tags = []
        for facet, value, ids in computed:
            members = select(func.unnest(_text_array(sorted(ids))))
            extra_tags.append((f"{facet}:{value}", D.service_id.in_(members)))
        tag_list = D.tags
        for tag_value, condition in extra_tags:
            tag_list = func.array_cat(
                tag_list, case((condition, _text_array([tag_value])), else_=_text_array([])))
        matches = (
            select(D.service_id, tag_list.label("tags"), *flags)
            .select_from(source).where(*where)
            .cte("matches")
        )
        flag_cols = [matches.c[f"f{n}"] for n in range(len(selected))]
        all_flags = and_(true(), *flag_cols)
        tags_fn = (func.unnest(func.array_append(matches.c.tags, literal("", Text)))
                   .table_valued("tag").render_derived(with_types=False).lateral("t"))
        tag = tags_fn.c.tag
        columns = [func.count().filter(all_flags).label("all")]
        for n in range(len(selected)):
            others = and_(true(), *(c for i, c in enumerate(flag_cols) if i != n))
            columns.append(func.count().filter(others).label(f"but{n}"))
        rows = db.session.execute(
            select(tag, *columns).select_from(matches.join(tags_fn, true())).group_by(tag)
        )
        index_of = {facet: n for n, facet in enumerate(selected)}
        total = 0
        facets: dict[str, dict[str, int]] = {}
        for row in rows:
            tag_value = row[0]
            if tag_value == "":
                total = row[1]  # every match carries the empty tag once: the total
                continue
            facet, _, value = tag_value.partition(":")
            n = index_of.get(facet)
            count = row[1] if n is None else row[2 + n]
            if count:
                facets.setdefault(facet, {})[value] = count
        if total == 0 or query.offset >= total:
            return SearchResults(total, [], facets)

        results_where = where + [
            D.tags.op("&&")(_text_array(f"{facet}:{v}" for v in sorted(query.filters[facet])))
            for facet in selected
        ]
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
        rows = db.session.execute(
            select(D.service_id, rank_col, miles_col).select_from(source).where(*results_where)
            .order_by(*order).offset(query.offset).limit(query.limit)
        )
        hits = [Hit(sid, float(score) if score is not None else None, dist) for sid, score, dist in rows]
        return SearchResults(total, hits, facets)
