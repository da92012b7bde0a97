"""Report filter forms, read from the query string so every view is a shareable link."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from navigator.directory.vocab import NEED_CATEGORIES
from navigator.reports.communities import community_choices
from navigator.reports.periods import Period, Quarter, default_period

SORT_KEYS = ["name", "score", "provision", "services", "demand", "unmet", "referrals", "waiting", "residents"]
FIRST_YEAR = 2020


def quarter_choices(today: date) -> list[tuple[str, str]]:
    last = Quarter.containing(today)
    out, q = [], Quarter(FIRST_YEAR, 1)
    while q <= last:
        out.append((str(q), f"{q} ({q.label})"))
        q = q.next()
    return list(reversed(out))


class _QueryForm(FlaskForm):
    class Meta:
        csrf = False  # GET forms change nothing

    def __init__(self, args, today: date, **kwargs):
        super().__init__(formdata=args, **kwargs)
        self.today = today
        period = default_period(today)
        if hasattr(self, "period_from"):
            choices = quarter_choices(today)
            self.period_from.choices = choices
            self.period_to.choices = choices
            if not args.get("period_from"):
                self.period_from.data = str(period.first)
            if not args.get("period_to"):
                self.period_to.data = str(period.last)

    def period(self) -> Period:
        return Period(Quarter.parse(self.period_from.data), Quarter.parse(self.period_to.data))

    def validate_period_to(self, field):
        try:
            first, last = Quarter.parse(self.period_from.data), Quarter.parse(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if last < first:
            raise ValidationError("The end of the period must be the same as or after its start")
        if (last.year - first.year) * 4 + last.number - first.number >= 12:
            raise ValidationError("Choose a period of 12 quarters or fewer")


LEVEL_CHOICES = [("la", "Local authority"), ("pdu", "Probation delivery unit"),
                 ("region", "Probation region")]


class GapMapForm(_QueryForm):
    need = SelectField("Need category", choices=NEED_CATEGORIES, default="accommodation")
    community = SelectField("Community (optional)", choices=community_choices(), default="")
    level = SelectField("Show areas by", choices=LEVEL_CHOICES, default="la")
    period_from = SelectField("From quarter")
    period_to = SelectField("To quarter")
    sort = SelectField("Sort by", choices=[(k, k) for k in SORT_KEYS], default="score")
    dir = SelectField("Order", choices=[("desc", "Highest first"), ("asc", "Lowest first")], default="desc")


class TrendsForm(_QueryForm):
    need = SelectField("Need category", choices=NEED_CATEGORIES, default="accommodation")
    community = SelectField("Community (optional)", choices=community_choices(), default="")
    level = SelectField("Show areas by", choices=LEVEL_CHOICES, default="la")
    area = SelectField("Area (optional)", default="", validate_choice=False)
    period_to = SelectField("Up to quarter")
    quarters = SelectField("Number of quarters", choices=[("4", "4"), ("8", "8"), ("12", "12")], default="8")

    def __init__(self, args, today: date, **kwargs):
        super().__init__(args, today, **kwargs)
        self.period_to.choices = quarter_choices(today)
        if not args.get("period_to"):
            self.period_to.data = str(Quarter.containing(today))

    def validate_period_to(self, field):
        try:
            Quarter.parse(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class EquityForm(_QueryForm):
    dimension = SelectField("Compare by", choices=[("ethnicity", "Ethnic group"), ("religion", "Religion"),
                                                   ("gender", "Gender")], default="ethnicity")
    detail = SelectField("Ethnic groups", choices=[("broad", "Broad groups (recommended)"),
                                                   ("detailed", "Detailed census groups")], default="broad")
    need = SelectField("Need category (optional)", choices=[("", "Any need")] + NEED_CATEGORIES, default="")
    area = SelectField("Area", default="", validate_choice=False)
    period_from = SelectField("From quarter")
    period_to = SelectField("To quarter")
