"""Form helpers shared by every area: text hygiene and mapping service errors onto fields."""
from __future__ import annotations

import re

from wtforms.validators import ValidationError

# C0/C1 control characters other than tab, newline and carriage return.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class CleanText:
    """Reject control characters (NUL, escape codes) with a clear message; trim spaces."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field):
        if isinstance(field.data, str):
            if CONTROL_CHARS.search(field.data):
                raise ValidationError(
                    self.message or f"{field.label.text} must not contain control characters"
                )
            field.data = field.data.strip()


def apply_domain_errors(form, errors: dict[str, list[str]]) -> None:
    """Copy a service's ValidationError messages onto the matching form fields."""
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
