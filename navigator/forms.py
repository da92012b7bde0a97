"""Form helpers shared by every area: text hygiene and mapping service errors onto fields."""
from __future__ import annotations

from wtforms.validators import ValidationError

from navigator.validation import has_control_chars


class CleanText:
    """Reject control characters (NUL, escape codes) with a clear message; trim spaces."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field):
        if isinstance(field.data, str):
            if has_control_chars(field.data):
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
