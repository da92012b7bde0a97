"""WTForms for curating the directory and suggesting changes (GOV.UK patterns, no JS needed).

Form field names follow the model (HSDS) names so that form data maps straight onto the
`data` dicts the service functions take; `led_by` is the one rename (`led-by` is not a
Python name). Opening hours are a fixed seven-row fieldset; phones and areas have spare rows.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from navigator.directory.vocab import (
    COMMUNITIES,
    FAITHS,
    LANGUAGES,
    LED_BY,
    NEED_CATEGORIES,
    WEEKDAYS,
    AreaType,
    Cost,
    Gender,
    ReferralRoute,
    ServiceStatus,
)
from navigator.forms import CleanText

URL_RE = r"^(https?://\S+)?$"
URL_MESSAGE = "Enter a full web address starting with https:// or http://"
EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.org"
TIME_RE = r"^(([01]?\d|2[0-3])[:.]?[0-5]\d)?$"
TRISTATE = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]
SPARE_ROWS = 1


def _text(label, max_len, required_message=None, extra=()):
    validators = [DataRequired(required_message)] if required_message else [Optional()]
    return validators + [Length(max=max_len, message=f"{label} must be {max_len:,} characters or fewer"),
                         CleanText(), *extra]


def _long(label, max_len=10_000):
    return [Optional(), Length(max=max_len, message=f"{label} must be {max_len:,} characters or fewer"),
            CleanText()]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes that report unknown values as a field error rather than failing hard."""


class VersionMixin:
    version = HiddenField()


# --------------------------------------------------------------------------- organisations

class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=_text("Name", 255, "Enter the organisation's name"))
    alternate_name = StringField("Other name (optional)", validators=_text("Other name", 255))
    description = TextAreaField("Description", validators=_long("Description"))
    website = StringField("Website (optional)", validators=_text("Website", 2000, extra=[
        Regexp(URL_RE, message=URL_MESSAGE)]))
    email = StringField("Email address (optional)", validators=_text("Email address", 254, extra=[
        Email(EMAIL_MESSAGE)]))
    legal_status = StringField("Legal status (optional)", validators=_text("Legal status", 120))
    charity_number = StringField("Charity number (optional)", validators=_text("Charity number", 20))
    active = BooleanField("The organisation is active")
    version = HiddenField()


ORGANISATION_FIELDS = ("name", "alternate_name", "description", "website", "email",
                       "legal_status", "charity_number")


def organisation_data(form: OrganisationForm, include_active: bool) -> dict:
    data = {name: form[name].data for name in ORGANISATION_FIELDS}
    if include_active:
        data["active"] = bool(form.active.data)
    return data


# --------------------------------------------------------------------------- services

class DayForm(Form):
    opens_at = StringField("Opens", validators=[Optional(), Regexp(
        TIME_RE, message="Enter an opening time like 09:30")])
    closes_at = StringField("Closes", validators=[Optional(), Regexp(
        TIME_RE, message="Enter a closing time like 17:00")])


class PhoneForm(Form):
    number = StringField("Phone number", validators=_text("Phone number", 40))
    description = StringField("What the number is for", validators=_text("Phone description", 255))


class AreaForm(Form):
    extent_type = SelectField("Kind of area", choices=[("", "None")] + [(a.value, a.label) for a in AreaType],
                              validate_choice=False)  # checked by the service, row by row
    name = StringField("Area name", validators=_text("Area name", 255))
    lad_code = StringField("Local authority code (optional)", validators=_text("Local authority code", 9))
    radius_miles = StringField("Radius in miles", validators=_text("Radius", 10))


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=_text("Name", 255, "Enter the service's name"))
    alternate_name = StringField("Other name (optional)", validators=_text("Other name", 255))
    description = TextAreaField("Description", validators=_long("Description"))
    url = StringField("Website (optional)", validators=_text("Website", 2000, extra=[
        Regexp(URL_RE, message=URL_MESSAGE)]))
    email = StringField("Email address (optional)", validators=_text("Email address", 254, extra=[
        Email(EMAIL_MESSAGE)]))
    status = SelectField("Status", choices=[(s.value, s.label) for s in ServiceStatus],
                         default=ServiceStatus.ACTIVE.value)
    need = MultiCheckboxField("Need categories", choices=NEED_CATEGORIES)
    led_by = MultiCheckboxField("Led by", choices=LED_BY)
    community = MultiCheckboxField("Communities served", choices=COMMUNITIES)
    faith = MultiCheckboxField("Faith tradition", choices=FAITHS)
    languages = MultiCheckboxField("Languages spoken", choices=LANGUAGES)
    gender = RadioField("Who it is for", choices=[(g.value, g.label) for g in Gender],
                        default=Gender.ANY.value)
    cost = RadioField("Cost", choices=[(c.value, c.label) for c in Cost], default=Cost.FREE.value)
    fees_description = TextAreaField("Fees (optional)", validators=_long("Fees", 2000))
    referral_route = RadioField("How people are referred",
                                choices=[(r.value, r.label) for r in ReferralRoute],
                                default=ReferralRoute.BOTH.value)
    application_process = TextAreaField("How to refer", validators=_long("How to refer"))
    eligibility_description = TextAreaField("Eligibility notes (optional)",
                                            validators=_long("Eligibility notes"))
    accepts_sex_offence_convictions = RadioField(
        "Does it accept people with sex-offence convictions?", choices=TRISTATE, default="unknown")
    accepts_no_recourse_to_public_funds = RadioField(
        "Does it accept people with no recourse to public funds?", choices=TRISTATE, default="unknown")
    interpretation_services = TextAreaField("Interpreting (optional)", validators=_long("Interpreting", 2000))
    capacity_note = StringField("Capacity (optional)", validators=_text("Capacity", 255))
    schedules = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
    phones = FieldList(FormField(PhoneForm), min_entries=2)
    service_areas = FieldList(FormField(AreaForm), min_entries=2)
    location_ids = MultiCheckboxField("Where it runs", choices=[])
    version = HiddenField()

    def __init__(self, *args, location_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if location_choices is None:
            del self.location_ids
        else:
            self.location_ids.choices = location_choices
        for entry in self.schedules:
            day = dict(enumerate(name for _, name in WEEKDAYS)).get(row_index(entry), "Extra row")
            entry.form.opens_at.label.text = f"{day} opens"
            entry.form.closes_at.label.text = f"{day} closes"
        for rows in (self.phones, self.service_areas):
            if not self.is_submitted() and rows.data and any(_filled(r) for r in rows.data[-1:]):
                for _ in range(SPARE_ROWS):
                    rows.append_entry()


def row_index(entry) -> int:
    """The index a row was posted with (FieldList keeps it even when earlier rows are missing)."""
    return int(entry.name.rsplit("-", 1)[1])


def _filled(row: dict) -> bool:
    return any(v not in (None, "") for v in row.values())


class SuggestServiceForm(ServiceForm):
    comment = TextAreaField("Anything else the directory team should know (optional)",
                            validators=_long("Comment", 5000))


SERVICE_SIMPLE_FIELDS = ("name", "alternate_name", "description", "url", "email", "status", "need",
                         "community", "faith", "languages", "gender", "cost", "fees_description",
                         "referral_route", "application_process", "eligibility_description",
                         "interpretation_services", "capacity_note")
_TRISTATE_IN = {"yes": True, "no": False}
_TRISTATE_OUT = {True: "yes", False: "no", None: "unknown"}


def service_data(form: ServiceForm) -> dict:
    """The service function's `data` dict from a submitted form."""
    data = {name: form[name].data for name in SERVICE_SIMPLE_FIELDS}
    data["led-by"] = form.led_by.data or []
    for name in ("accepts_sex_offence_convictions", "accepts_no_recourse_to_public_funds"):
        data[name] = _TRISTATE_IN.get(form[name].data)
    day_codes = [code for code, _ in WEEKDAYS]
    data["schedules"] = [{"byday": day_codes[row_index(entry)], "opens_at": entry.form.opens_at.data,
                          "closes_at": entry.form.closes_at.data}
                         for entry in form.schedules if row_index(entry) < len(day_codes)]
    data["phones"] = [dict(entry.data) for entry in form.phones]
    data["service_areas"] = [dict(entry.data) for entry in form.service_areas]
    if "location_ids" in form:
        data["location_ids"] = form.location_ids.data or []
    return data


def service_form_data(snapshot: dict) -> dict:
    """Pre-fill values for ServiceForm from a service snapshot (or a suggestion's proposal)."""
    data = {name: snapshot.get(name) for name in SERVICE_SIMPLE_FIELDS if name in snapshot}
    data["led_by"] = snapshot.get("led-by", [])
    for name in ("accepts_sex_offence_convictions", "accepts_no_recourse_to_public_funds"):
        data[name] = _TRISTATE_OUT.get(snapshot.get(name), "unknown")
    by_day: dict[str, dict] = {}
    for row in snapshot.get("schedules") or []:
        by_day.setdefault(row["byday"], row)  # the form holds one opening window per day
    data["schedules"] = [{"opens_at": by_day.get(code, {}).get("opens_at") or "",
                          "closes_at": by_day.get(code, {}).get("closes_at") or ""}
                         for code, _ in WEEKDAYS]
    data["phones"] = [{"number": p["number"], "description": p.get("description") or ""}
                      for p in snapshot.get("phones") or []]
    data["service_areas"] = [{"extent_type": a["extent_type"], "name": a.get("name") or "",
                              "lad_code": a.get("lad_code") or "",
                              "radius_miles": _miles(a.get("radius_miles"))}
                             for a in snapshot.get("service_areas") or []]
    if "location_ids" in snapshot:
        data["location_ids"] = snapshot["location_ids"]
    if "version" in snapshot:
        data["version"] = snapshot["version"]
    return {k: v for k, v in data.items() if v is not None}


def _miles(value) -> str:
    return "" if value is None else f"{value:g}"


class StatusForm(FlaskForm):
    status = RadioField("Status", choices=[(s.value, s.label) for s in ServiceStatus],
                        validators=[DataRequired("Select the service's status")])
    version = HiddenField()


# --------------------------------------------------------------------------- locations

class LocationForm(FlaskForm):
    name = StringField("Name of the place (optional)", validators=_text("Name", 255))
    location_type = RadioField("Kind of location", choices=[
        ("physical", "A place people visit"), ("postal", "A postal address only"),
        ("virtual", "Online or phone only")], default="physical")
    address_1 = StringField("Address line 1", validators=_text("Address line 1", 255))
    address_2 = StringField("Address line 2 (optional)", validators=_text("Address line 2", 255))
    city = StringField("Town or city", validators=_text("Town or city", 120))
    region = StringField("County (optional)", validators=_text("County", 120))
    postal_code = StringField("Postcode", validators=_text("Postcode", 10))
    description = TextAreaField("Directions or access notes (optional)",
                                validators=_long("Description", 2000))
    confidential = BooleanField("The address is confidential (for example, a refuge)")
    version = HiddenField()


LOCATION_FIELDS = ("name", "location_type", "address_1", "address_2", "city", "region",
                   "postal_code", "description")


def location_data(form: LocationForm) -> dict:
    data = {name: form[name].data for name in LOCATION_FIELDS}
    data["confidential"] = bool(form.confidential.data)
    return data


# --------------------------------------------------------------------------- suggestion review

class AcceptForm(FlaskForm):
    version = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField("Reason for rejecting", validators=[
        DataRequired("Enter the reason for rejecting the suggestion"),
        Length(max=2000, message="Reason must be 2,000 characters or fewer"), CleanText()])


class ProposeServiceForm(SuggestServiceForm):
    organization_id = SelectField("Organisation", choices=[], validate_choice=False)


# --------------------------------------------------------------------------- errors

def error_items(form) -> list[tuple[str, str]]:
    """Flatten field errors (including nested rows) into (field id, message) for the summary."""
    items: list[tuple[str, str]] = []

    def walk(field):
        if isinstance(field, FieldList):
            for entry in field:
                walk(entry)
        elif isinstance(field, FormField):
            for sub in field.form:
                walk(sub)
        else:
            items.extend((field.id, message) for message in field.errors)

    for field in form:
        walk(field)
    items.extend(("", message) for message in form.form_errors)
    return items


def apply_service_errors(form, errors: dict[str, list[str]]) -> None:
    """Put a service's ValidationError messages on the matching field or row."""
    for key, messages in errors.items():
        target = None
        if key == "led-by":
            target = form.led_by
        elif "-" in key and key.rsplit("-", 1)[1].isdigit():
            name, index = key.rsplit("-", 1)
            rows = getattr(form, name, None)
            if rows is not None and int(index) < len(rows.entries):
                target = next(iter(rows.entries[int(index)].form))
        elif key in form:
            target = form[key]
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = list(target.errors) + list(messages)
