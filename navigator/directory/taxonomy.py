"""Loads the controlled vocabularies into Taxonomy/TaxonomyTerm rows (idempotent)."""
from __future__ import annotations

from sqlalchemy import select

from navigator.directory.models import Taxonomy, TaxonomyTerm
from navigator.directory.vocab import TAXONOMIES
from navigator.extensions import db

TAXONOMY_URI = "https://navigator.invalid/taxonomies/"


def ensure_taxonomies() -> int:
    """Create any missing taxonomy or term; returns how many terms were added."""
    existing = {(t.taxonomy_id, t.code) for t in db.session.scalars(select(TaxonomyTerm))}
    added = 0
    for taxonomy_id, (name, terms) in TAXONOMIES.items():
        if db.session.get(Taxonomy, taxonomy_id) is None:
            db.session.add(Taxonomy(id=taxonomy_id, name=name, version="1",
                                    uri=TAXONOMY_URI + taxonomy_id,
                                    description=f"Navigator vocabulary: {name.lower()}"))
        for code, label in terms:
            if (taxonomy_id, code) not in existing:
                db.session.add(TaxonomyTerm(id=f"{taxonomy_id}:{code}", taxonomy_id=taxonomy_id,
                                            code=code, name=label))
                added += 1
    db.session.commit()
    return added


def terms_by_taxonomy() -> dict[str, list[TaxonomyTerm]]:
    out: dict[str, list[TaxonomyTerm]] = {key: [] for key in TAXONOMIES}
    for term in db.session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.name)):
        out.setdefault(term.taxonomy_id, []).append(term)
    return out
