"""Reference data every database needs before use (taxonomies), shared by seed and tests."""
from __future__ import annotations


def prepare_reference_data() -> None:
    from navigator.directory.taxonomy import ensure_taxonomies

    ensure_taxonomies()
