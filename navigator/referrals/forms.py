"""Forms for people, needs, consent, agreements and the referral journey.

The forms only parse and trim; service functions hold the rules and their messages are
copied back onto these fields (apply_domain_errors), so field names match the service keys.
"""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from navigator.directory.vocab import LANGUAGES, NEED_CATEGORIES
from navigator.forms import CleanText
from navigator.referrals import vocab

YES_NO = [("yes", "Yes"), ("no", "No")]


class DatePartsField(Field):
    """The GOV.UK date input: NAME-day, NAME-month, NAME-year; data is "YYYY-MM-DD" text.

    Nonsense stays as text so that the service can say the date must be a real date.
    """

    parts: dict[str, str]

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.parts = {"day": "", "month": "", "year": ""}
        self.data = None
        if isinstance(data, date):
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
            self.data = data.isoformat()
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in self.parts):
            self.parts = {p: (formdata.get(f"{self.name}-{p}") or "").strip()[:8] for p in self.parts}
            if not any(self.parts.values()):
                self.data = None
            elif all(v.isdigit() for v in self.parts.values()):
                self.data = f"{int(self.parts['year']):04d}-{int(self.parts['month']):02d}-" \
                            f"{int(self.parts['day']):02d}"
            else:
                self.data = "not-a-date"

    def _value(self):
        return self.data or ""


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes; an unknown value is left for the service to reject with its own message."""

    def pre_validate(self, form):
        pass


class PersonForm(FlaskForm):
    case_reference = StringField("Case reference number (CRN)", validators=[CleanText()])
    name = StringField("Full name", validators=[CleanText()])
    date_of_birth = DatePartsField("Date of birth")
    gender = RadioField("Gender", choices=vocab.GENDERS, validate_choice=False)
    ethnicity = SelectField("Ethnic group", choices=[("", "Select ethnic group")] + vocab.ETHNICITIES,
                            validate_choice=False)
    religion = SelectField("Religion or belief",
                           choices=[("", "Select religion or belief")] + vocab.RELIGIONS,
                           validate_choice=False)
    preferred_language = SelectField("Preferred language", choices=[("", "Not recorded")] + LANGUAGES,
                                     validate_choice=False)
    interpreter_needed = BooleanField("Needs an interpreter")
    home_postcode = StringField("Home postcode district", validators=[CleanText()])
    commitments = TextAreaField("Commitments to schedule around", validators=[CleanText()])


class NeedForm(FlaskForm):
    category = SelectField("Need", choices=[("", "Select a need")] + NEED_CATEGORIES, validate_choice=False)
    notes = TextAreaField("Notes", validators=[CleanText()])
    person_agrees = RadioField("Does the person agree they have this need?", choices=YES_NO,
                               validate_choice=False)


class ConsentForm(FlaskForm):
    data_categories = MultiCheckboxField("What the person agrees to share", choices=vocab.DATA_CATEGORIES)
    organization_ids = MultiCheckboxField("Organisations it may be shared with", choices=[])
    purpose = TextAreaField("Purpose", validators=[CleanText()])
    lawful_basis = RadioField("Lawful basis", choices=vocab.LAWFUL_BASES, validate_choice=False)
    regime = RadioField("Data protection regime", choices=vocab.REGIMES, validate_choice=False)
    how_given = RadioField("How was consent given?", choices=vocab.HOW_GIVEN, validate_choice=False)
    privacy_notice_version = StringField("Version of the privacy notice shown", validators=[CleanText()])
    given_on = DatePartsField("Date given")
    expires_on = DatePartsField("Expiry date")


class NoteForm(FlaskForm):
    note = TextAreaField("Note (optional)", validators=[CleanText()])


class ShareForm(FlaskForm):
    email = StringField("Practitioner's email address", validators=[CleanText()])


class AgreementForm(FlaskForm):
    organization_id = SelectField("Organisation", choices=[], validate_choice=False)
    title = StringField("Agreement title or reference", validators=[CleanText()])
    starts_on = DatePartsField("Start date")
    ends_on = DatePartsField("End date")


class ChoosePersonForm(FlaskForm):
    person_id = RadioField("Who are you referring?", choices=[], validate_choice=False)


class ChooseNeedsForm(FlaskForm):
    need_ids = MultiCheckboxField("Which agreed needs is this referral for?", choices=[])


class SharingForm(FlaskForm):
    data_categories = MultiCheckboxField("What will you share with the provider?",
                                         choices=vocab.DATA_CATEGORIES)
    contact_details = TextAreaField("Contact details to share", validators=[CleanText()])
    offence_risk_summary = TextAreaField("Offence and risk summary to share", validators=[CleanText()])
    message = TextAreaField("Reason for referral", validators=[CleanText()])


class CancelForm(FlaskForm):
    reason = TextAreaField("Why are you cancelling this referral?", validators=[CleanText()])


class ProviderActionForm(FlaskForm):
    action = HiddenField()
    reason = RadioField("Reason", choices=vocab.DECLINE_REASONS, validate_choice=False,
                        validators=[Optional()])
    detail = TextAreaField("Details", validators=[CleanText()])


class FeedbackForm(FlaskForm):
    helpful = RadioField("Did the person find the service helpful?", choices=vocab.FEEDBACK_ANSWERS,
                         validate_choice=False, validators=[Optional()])
    felt_understood = RadioField("Did the person feel understood?", choices=vocab.FEEDBACK_ANSWERS,
                                 validate_choice=False, validators=[Optional()])
    comment = TextAreaField("Anything else the person wants to say", validators=[CleanText()])


class ConfirmForm(FlaskForm):
    """A button-only form (send, signpost, erase): CSRF token and nothing else."""
