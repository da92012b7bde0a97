"""The "community" a gap report can focus on, and what it means on each side of the gap.

A community choice is "kind:code": led-by:black-led, faith:muslim, community:somali,
gender:women or language:ur. For each we know which services serve it (provision), which
people on the caseload belong to it (demand), and which census figure counts its residents.
Where the caseload or census cannot tell (heritage groups, languages), that side says so
rather than guessing.
"""
from __future__ import annotations

from dataclasses import dataclass

from navigator.directory.vocab import COMMUNITIES, FAITHS, LANGUAGES, LED_BY

ETHNICITY_CODES = {code for code, _ in COMMUNITIES[:19]}

# Census 2021 columns (Population) that count residents of a community.
_ETHNIC_PREFIX_COLUMN = {
    "asian": "eth_asian_pct", "black": "eth_black_pct", "mixed": "eth_mixed_pct",
    "white": "eth_white_pct", "other": "eth_other_pct",
}
_HERITAGE_COLUMN = {"somali": "eth_black_pct", "eastern-european": "eth_white_pct"}
_RELIGION_COLUMN = {
    "muslim": "rel_muslim_pct", "christian": "rel_christian_pct", "sikh": "rel_sikh_pct",
    "hindu": "rel_hindu_pct", "jewish": "rel_jewish_pct", "buddhist": "rel_buddhist_pct",
}
_LED_BY_COLUMN = {
    "black-led": "eth_black_pct", "asian-led": "eth_asian_pct", "muslim-led": "rel_muslim_pct",
    "sikh-led": "rel_sikh_pct", "christian-led": "rel_christian_pct",
}


@dataclass(frozen=True)
class PersonFilter:
    """Which people on the caseload belong to the community (None: cannot tell)."""

    field: str  # Person column: ethnicity | religion | gender | preferred_language
    values: frozenset[str] | None = None
    exclude: frozenset[str] | None = None  # "any value except these" (multi-faith)


@dataclass(frozen=True)
class Community:
    key: str
    kind: str
    code: str
    label: str
    census_column: str | None
    person_filter: PersonFilter | None

    @property
    def attribute_term_id(self) -> str | None:
        return f"{self.kind}:{self.code}" if self.kind in ("led-by", "faith", "community") else None


def _ethnic_person_filter(code: str) -> PersonFilter | None:
    if code in ETHNICITY_CODES:
        return PersonFilter("ethnicity", frozenset({code}))
    return None


def _led_by_person_filter(code: str) -> PersonFilter | None:
    black = {c for c in ETHNICITY_CODES if c.startswith("black-")} | {
        "mixed-white-black-african", "mixed-white-black-caribbean"}
    return {
        "black-led": PersonFilter("ethnicity", frozenset(black)),
        "asian-led": PersonFilter("ethnicity",
                                  frozenset(c for c in ETHNICITY_CODES if c.startswith("asian-"))),
        "muslim-led": PersonFilter("religion", frozenset({"muslim"})),
        "sikh-led": PersonFilter("religion", frozenset({"sikh"})),
        "christian-led": PersonFilter("religion", frozenset({"christian"})),
        "women-led": PersonFilter("gender", frozenset({"woman"})),
        "grt-led": PersonFilter("ethnicity", frozenset({"white-gypsy-traveller", "white-roma"})),
    }.get(code)


def _build() -> dict[str, Community]:
    out: dict[str, Community] = {}
    for code, label in LED_BY:
        out[f"led-by:{code}"] = Community(f"led-by:{code}", "led-by", code, label,
                                          _LED_BY_COLUMN.get(code), _led_by_person_filter(code))
    for code, label in FAITHS:
        person = (PersonFilter("religion", exclude=frozenset({"none", "not-stated"}))
                  if code == "multi-faith" else PersonFilter("religion", frozenset({code})))
        out[f"faith:{code}"] = Community(f"faith:{code}", "faith", code, f"Faith: {label}",
                                         _RELIGION_COLUMN.get(code), person)
    for code, label in COMMUNITIES:
        column = _HERITAGE_COLUMN.get(code)
        if code in ETHNICITY_CODES:  # the census file has the five broad groups only
            column = _ETHNIC_PREFIX_COLUMN.get(code.split("-", 1)[0])
        out[f"community:{code}"] = Community(f"community:{code}", "community", code,
                                             f"Serving: {label}", column, _ethnic_person_filter(code))
    out["gender:women"] = Community("gender:women", "gender", "women", "Women only", None,
                                    PersonFilter("gender", frozenset({"woman"})))
    for code, label in LANGUAGES:
        out[f"language:{code}"] = Community(f"language:{code}", "language", code, f"Language: {label}",
                                            None, PersonFilter("preferred_language", frozenset({code})))
    return out


COMMUNITY_BY_KEY = _build()


def community_choices() -> list[tuple[str, str]]:
    """(value, label) for the select, grouped by kind in a stable order."""
    return [("", "Any community")] + [(c.key, c.label) for c in COMMUNITY_BY_KEY.values()]


def get_community(key: str | None) -> Community | None:
    """The Community for a key, None for "any"; raises KeyError for an unknown key."""
    if not key:
        return None
    return COMMUNITY_BY_KEY[key]
