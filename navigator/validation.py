"""The rules every area shares for what people type and what feeds send.

Forms only parse and trim; service functions hold the rules and call these. Each area's
service collects problems with a `Checker` (field -> messages, the shape of
`errors.ValidationError`) so that one submission reports every problem at once.

Pure functions, no database: safe to call on anything a person typed.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from navigator.errors import ValidationError

PROBLEM = "There is a problem"
# C0/C1 control characters other than tab, newline and carriage return.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
EMAIL_MAX = 254
URL_MAX = 2000
TEXT_MAX = 10_000
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]?([0-5]\d)$")
_TRUE = frozenset({"1", "true", "yes", "y", "on"})

# ------------------------------------------------------------------------- postcodes

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
# A postcode inside a line of text, e.g. "12 Bridge St, Walsall WS1 1AA".
_IN_TEXT_RE = re.compile(rf"(?<![A-Z0-9])({_OUTWARD})\s{{0,3}}({_INWARD})(?![A-Z0-9])")
_SPECIAL = {"GIR0AA": "GIR 0AA"}  # Girobank: the one postcode outside the rules
_POSTCODE_INPUT_MAX = 16  # a postcode with generous spacing; anything longer is not one


def _squash(text: object) -> str | None:
    if not isinstance(text, str) or len(text) > _POSTCODE_INPUT_MAX or not text.isascii():
        return None
    return "".join(text.split()).upper()


def normalise_postcode(text: object) -> str | None:
    """The canonical form of a full UK postcode ("ws11aa" -> "WS1 1AA"), else None. Never raises."""
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
    """The postcode district ("WS1") of a full postcode or of a district alone, else None."""
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
    """The last full postcode written inside free text, normalised; None if there is none."""
    if not isinstance(text, str) or not text.isascii():
        return None
    matches = _IN_TEXT_RE.findall(text.upper()[:2000])
    if not matches:
        return None
    outward, inward = matches[-1]
    return f"{outward} {inward}"


# ------------------------------------------------------------------------- single values

def has_control_chars(text: str) -> bool:
    return bool(CONTROL_CHARS.search(text))


def strip_control(text: str) -> str:
    return CONTROL_CHARS.sub("", text)


def normalise_email(value: str) -> str | None:
    """The normalised form of a syntactically valid email address, else None (no DNS look-up)."""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized if len(result.normalized) <= EMAIL_MAX else None


def is_web_address(value: str) -> bool:
    """An absolute http(s) address with a real-looking host name (or an IP literal)."""
    if len(value) > URL_MAX or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        return False
    return bool(_DOMAIN.match(host)) or _is_ip_literal(host)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_time(value: object) -> time | None:
    """A time of day from "9:30", "09.30", "0930" or a time; None if it is not one."""
    if isinstance(value, time):
        return value
    match = _TIME.match(str(value or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def as_list(value: object) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable):
        return list(value)
    return [value]


# ------------------------------------------------------------------------- collecting problems

_MISSING = object()  # "read it from the submission": None is a value a caller may pass

class Checker:
    """Cleans the values of one submission and collects every problem, field by field.

    Each method returns the clean value (None when missing or wrong) and records a message
    for the field when it is wrong; `raise_if_problems()` raises one ValidationError with all
    of them. Messages follow the GOV.UK Design System's wording for error messages.
    """

    def __init__(self, data: dict | None = None):
        self.data = data or {}
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def has(self, key: str) -> bool:
        return key in self.errors

    def raise_if_problems(self, message: str = PROBLEM) -> None:
        if self.errors:
            raise ValidationError(message, self.errors)

    def _raw(self, key: str, value: object) -> object:
        """The value passed in, or else the submission's value for `key`."""
        return self.data.get(key) if value is _MISSING else value

    def text(self, key: str, label: str, max_length: int = TEXT_MAX, *, required: bool = False,
             message: str | None = None, value: object = _MISSING) -> str | None:
        """Trimmed text, or None when empty; refuses control characters and overlong text."""
        raw = self._raw(key, value)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                raw = str(raw)
            else:
                self.add(key, f"{label} must be text")
                return None
        text = raw.strip()
        if has_control_chars(text):
            self.add(key, f"{label} must not contain control characters")
            return None
        if len(text) > max_length:
            self.add(key, f"{label} must be {max_length:,} characters or fewer")
            return None
        if required and not text:
            self.add(key, message or f"Enter {_article(label)}")
            return None
        return text or None

    def email(self, key: str = "email", label: str = "Email address", *, required: bool = False,
              value: object = _MISSING) -> str | None:
        """A syntactically valid email address, normalised (domain lower-cased)."""
        text = self.text(key, label, EMAIL_MAX, required=required, value=value)
        if text is None:
            return None
        email = normalise_email(text)
        if email is None:
            self.add(key, "Enter an email address in the correct format, like name@example.org")
        return email

    def url(self, key: str = "url", label: str = "Website", *, required: bool = False,
            value: object = _MISSING) -> str | None:
        """An absolute http(s) web address."""
        text = self.text(key, label, URL_MAX, required=required, value=value)
        if text is None:
            return None
        if not is_web_address(text):
            self.add(key, "Enter a full web address starting with https:// or http://")
            return None
        return text

    def postcode(self, key: str = "postal_code", label: str = "Postcode", *, required: bool = False,
                 district_allowed: bool = False, value: object = _MISSING) -> str | None:
        """A full UK postcode ("WS1 1AA"), or with `district_allowed` a district alone ("WS1")."""
        text = self.text(key, label, _POSTCODE_INPUT_MAX, required=required, value=value)
        if text is None:
            return None
        postcode = normalise_postcode(text)
        if postcode is None and district_allowed:
            postcode = normalise_outcode(text)
        if postcode is None:
            example = "a postcode district, like WS1, or " if district_allowed else ""
            self.add(key, f"Enter {example}a full postcode, like WS1 1AA")
        return postcode

    def choice(self, key: str, choices: Iterable[str], message: str, *, required: bool = True,
               value: object = _MISSING) -> str | None:
        """One code from a fixed list."""
        raw = self._raw(key, value)
        code = str(raw if raw is not None else "").strip()
        if not code and not required:
            return None
        if code not in set(choices):
            self.add(key, message)
            return None
        return code

    def choices(self, key: str, choices: Iterable[str], message: str, *,
                value: object = _MISSING) -> list[str]:
        """Several codes from a fixed list, without repeats, in the list's own order."""
        allowed = list(choices)
        raw = as_list(self._raw(key, value))
        picked = {str(item).strip() for item in raw}
        if picked - set(allowed):
            self.add(key, message)
        return [code for code in allowed if code in picked]

    def integer(self, key: str, label: str, *, minimum: int | None = None, maximum: int | None = None,
                required: bool = False, value: object = _MISSING) -> int | None:
        """A whole number within bounds."""
        raw = self._raw(key, value)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.add(key, f"Enter {_article(label)}")
            return None
        try:
            number = int(str(raw).strip()) if not isinstance(raw, int) or isinstance(raw, bool) else raw
        except ValueError:
            self.add(key, f"{label} must be a whole number")
            return None
        if minimum is not None and number < minimum:
            self.add(key, f"{label} must be {minimum} or more")
            return None
        if maximum is not None and number > maximum:
            self.add(key, f"{label} must be {maximum} or less")
            return None
        return number

    def date(self, key: str, label: str, *, required: bool = False, not_after: date | None = None,
             not_before: date | None = None, value: object = _MISSING) -> date | None:
        """A calendar date from a date, a datetime or an ISO string (YYYY-MM-DD)."""
        raw = self._raw(key, value)
        if isinstance(raw, datetime):
            day: date | None = raw.date()
        elif isinstance(raw, date):
            day = raw
        else:
            text = str(raw or "").strip()
            if not text:
                if required:
                    self.add(key, f"Enter {_article(label)}")
                return None
            try:
                day = date.fromisoformat(text)
            except ValueError:
                self.add(key, f"{label} must be a real date")
                return None
        if not_after is not None and day > not_after:
            self.add(key, f"{label} must be today or in the past")
            return None
        if not_before is not None and day < not_before:
            self.add(key, f"{label} must be on or after {not_before.day} "
                          f"{not_before.strftime('%B')} {not_before.year}")
            return None
        return day

    def time(self, key: str, label: str, *, required: bool = False, value: object = _MISSING) -> time | None:
        """A time of day ("09:30", "17.00")."""
        raw = self._raw(key, value)
        if raw in (None, ""):
            if required:
                self.add(key, f"Enter {_article(label)}")
            return None
        moment = parse_time(raw)
        if moment is None:
            self.add(key, f"{label} must be a time like 09:30 or 17:00")
        return moment


def _article(label: str) -> str:
    """'Enter the name' reads better than 'Enter name'; keep proper nouns' capitals."""
    lowered = label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label
    return f"the {lowered}" if not lowered.startswith(("a ", "an ", "the ")) else lowered
