"""What practitioners type, turned into search terms: cleaning, stop words, synonyms.

Both backends receive the same parsed query (a list of term groups), so they agree on
what a search means: every group must match (AND); within a group any alternative may
match (a word, its curated synonyms, or a quoted phrase); excluded groups ("-word") must
not match. Any text at all is accepted: operators other than quotes, a leading minus and
OR are treated as ordinary characters and dropped, never as syntax that can fail.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 200
MAX_GROUPS = 12

# The union of PostgreSQL's "english" (Snowball) stop list and Whoosh's: a word dropped
# by either engine is dropped here first, so both backends see exactly the same terms.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just may me more most my myself no nor not now of off on once only or other our ours ourselves
out over own same she should so some such than that the their theirs them themselves then
there these they this those through to too under until up us very was we were what when where
which while who whom why will with yet you your yours yourself yourselves tbd t s
""".split())

# Curated synonyms: each line is a set of words or phrases a practitioner may use for the
# same thing. Kept short on purpose; every entry should be one a practitioner really types.
SYNONYM_SETS: list[tuple[str, ...]] = [
    ("housing", "accommodation", "homeless", "hostel"),
    ("rehab", "drugs", "alcohol", "substance misuse", "addiction"),
    ("mosque", "muslim", "islamic"),
    ("church", "christian"),
    ("gurdwara", "sikh"),
    ("temple", "hindu"),
    ("synagogue", "jewish"),
    ("job", "employment", "work", "careers"),
    ("training", "education", "skills", "course"),
    ("counselling", "counsellor", "therapy", "mental health"),
    ("money", "debt", "benefits", "finance"),
    ("women", "women's", "female"),
    ("mentor", "mentoring", "peer support"),
    ("dv", "domestic abuse", "domestic violence"),
    ("bangla", "bengali", "bangladeshi"),
    ("farsi", "persian"),
    ("immigration", "asylum", "visa"),
    ("grief", "bereavement"),
    ("gypsy", "traveller", "roma"),
    ("lawyer", "solicitor", "legal advice"),
]

_WORD = re.compile(r"\w+", re.UNICODE)
# Quoted phrase, or a run of non-space characters; a leading '-' marks an exclusion.
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def _norm_word(word: str) -> str:
    return word.casefold()


def words_of(text: str) -> list[str]:
    """Lower-cased words of at least two characters that are not stop words."""
    out = []
    for match in _WORD.finditer(text):
        word = _norm_word(match.group(0)).replace("_", "")
        if len(word) >= 2 and word not in STOP_WORDS:
            out.append(word)
    return out


def synonyms_of(word: str) -> tuple[str, ...]:
    """Curated synonyms of a word, trying its singular too ("jobs" -> job, employment, ...)."""
    found = SYNONYMS.get(word)
    if found is None and word.endswith("s") and len(word) > 3:
        found = SYNONYMS.get(word[:-1])
    return found or ()


def _build_synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_SETS:
        for entry in group:
            key = " ".join(words_of(entry))
            if key:
                table[key] = tuple(dict.fromkeys(" ".join(words_of(e)) for e in group if words_of(e)))
    return table


SYNONYMS = _build_synonyms()


@dataclass(frozen=True)
class TermGroup:
    """One thing the user asked for; each alternative is a word or a phrase (space-joined)."""

    alternatives: tuple[str, ...]
    exclude: bool = False
    typed: str = ""


@dataclass
class ParsedQuery:
    groups: list[TermGroup] = field(default_factory=list)
    normalised: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def has_terms(self) -> bool:
        return any(not g.exclude for g in self.groups)


def clean_text(text: str | None) -> tuple[str, list[str]]:
    """Drop control characters (NUL included), normalise Unicode, cap the length."""
    notes: list[str] = []
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"Your search was long, so only the first {MAX_QUERY_CHARS} characters were used.")
    return text, notes


def parse_query(text: str | None) -> ParsedQuery:
    """Turn free text into term groups with synonyms; never raises for any input."""
    cleaned, notes = clean_text(text)
    groups: list[TermGroup] = []
    pending_or = False
    for match in _TOKEN.finditer(cleaned):
        minus, phrase, bare = match.group(1), match.group(2), match.group(3)
        exclude = bool(minus)
        if bare is not None:
            if bare == "OR" and groups and not groups[-1].exclude:
                pending_or = True
                continue
            exclude = bare.startswith("-") and len(bare) > 1
            words = words_of(bare)
            # Hyphenated or punctuated runs ("black-led") stay together as a phrase.
            alternatives = [" ".join(words)] if len(words) > 1 else words
            if len(words) == 1 and not exclude:
                alternatives = [words[0], *synonyms_of(words[0])]
        else:
            words = words_of(phrase)
            alternatives = [" ".join(words)] if words else []
            if len(words) == 1 and not exclude:
                alternatives = [words[0], *synonyms_of(words[0])]
        if not alternatives:
            pending_or = False
            continue
        if pending_or:
            merged = tuple(dict.fromkeys(groups[-1].alternatives + tuple(alternatives)))
            groups[-1] = TermGroup(merged, typed=f"{groups[-1].typed} OR {alternatives[0]}")
            pending_or = False
            continue
        groups.append(TermGroup(tuple(dict.fromkeys(alternatives)), exclude, alternatives[0]))
    groups = _merge_multiword_synonyms(groups)
    if len(groups) > MAX_GROUPS:
        groups = groups[:MAX_GROUPS]
        notes.append(f"Only the first {MAX_GROUPS} search words were used.")
    normalised = " ".join(
        ("-" if g.exclude else "") + g.typed for g in groups
    )
    return ParsedQuery(groups, normalised, notes)


def _merge_multiword_synonyms(groups: list[TermGroup]) -> list[TermGroup]:
    """"mental health" typed as two words still finds counselling services."""
    out: list[TermGroup] = []
    i = 0
    while i < len(groups):
        if i + 1 < len(groups) and not groups[i].exclude and not groups[i + 1].exclude:
            pair = f"{groups[i].typed} {groups[i + 1].typed}"
            if pair in SYNONYMS:
                alternatives = tuple(dict.fromkeys((pair, *SYNONYMS[pair])))
                out.append(TermGroup(alternatives, typed=pair))
                i += 2
                continue
        out.append(groups[i])
        i += 1
    return out
