"""UK postcode validation and normalisation: "ws11aa" -> "WS1 1AA", districts ("B15"), extraction.

Pure functions, no database: safe to call on any text a person typed.
"""
from __future__ import annotations

import re

# Outward code shapes A9, A99, AA9, AA99, A9A, AA9A with the Royal Mail letter rules:
# no Q, V, X first; no I, J, Z second; limited letters in the third/fourth position.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
)
# Inward code: a digit then two letters, never C, I, K, M, O or V.
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"

_FULL_RE = re.compile(rf"({_OUTWARD})({_INWARD})")
_OUTWARD_RE = re.compile(_OUTWARD)
# A postcode inside a line of address text, e.g. "12 Bridge St, Walsall WS1 1AA".
_IN_TEXT_RE = re.compile(rf"(?<![A-Z0-9])({_OUTWARD})\s{{0,3}}({_INWARD})(?![A-Z0-9])")

_SPECIAL = {"GIR0AA": "GIR 0AA"}  # Girobank: the one postcode outside the rules
_MAX_INPUT = 16  # a postcode with generous spacing; anything longer is not one


def _squash(text: object) -> str | None:
    if not isinstance(text, str) or len(text) > _MAX_INPUT or not text.isascii():
        return None
    return "".join(text.split()).upper()


def normalise_postcode(text: object) -> str | None:
    """Return the canonical form of a full UK postcode ("ws11aa" -> "WS1 1AA"), else None.

    Never raises: anything that is not a string holding one postcode gives None.
    """
    squashed = _squash(text)
    if not squashed:
        return None
    if squashed in _SPECIAL:
        return _SPECIAL[squashed]
    match = _FULL_RE.fullmatch(squashed)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def normalise_outcode(text: object) -> str | None:
    """Return the postcode district ("WS1") of a full postcode or of a district alone, else None."""
    postcode = normalise_postcode(text)
    if postcode:
        return postcode.split(" ", 1)[0]
    squashed = _squash(text)
    if not squashed or len(text.split()) != 1:  # "WS1 1" is half a postcode, not WS11
        return None
    if squashed == "GIR":
        return "GIR"
    return squashed if _OUTWARD_RE.fullmatch(squashed) else None


def is_full_postcode(text: object) -> bool:
    return normalise_postcode(text) is not None


def find_postcode(text: object) -> str | None:
    """The last full postcode written inside free address text, normalised; None if there is none."""
    if not isinstance(text, str) or not text.isascii():
        return None
    matches = _IN_TEXT_RE.findall(text.upper()[:2000])
    if not matches:
        return None
    outward, inward = matches[-1]
    return f"{outward} {inward}"
