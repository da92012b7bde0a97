"""Forms for the import and export pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import Length, Optional

from navigator.forms import CleanText


class ImportForm(FlaskForm):
    feed = FileField("Upload a file", validators=[FileRequired("Select a file to import")])
    source = StringField(
        "Source name", validators=[Optional(), CleanText(), Length(max=200, message=(
            "Source name must be 200 characters or fewer"))])


class ExportForm(FlaskForm):
    """Read from the query string (a GET form): no CSRF token needed to download."""

    class Meta:
        csrf = False

    format = RadioField("Format", choices=[
        ("oruk", "Open Referral UK 3.0 JSON"),
        ("hsds-csv", "HSDS 3.0 CSV datapackage (zip)"),
    ], default="oruk")
    search = StringField("Only services matching these words (optional)",
                         validators=[Optional(), CleanText(), Length(max=200)])
    need = SelectField("Only services for this need (optional)", validators=[Optional()])
