"""Stable codes for a person's record, consent and referrals (reports group by these)."""
from __future__ import annotations

from navigator.directory.vocab import COMMUNITIES, NEED_CATEGORIES

# ONS 2021 census ethnic groups (the 19 detailed groups), same codes as the directory's
# "communities served" so that gap reports can join demand to provision.
ETHNICITIES: list[tuple[str, str]] = COMMUNITIES[:19] + [("not-stated", "Prefer not to say")]

# ONS 2021 census religion question, plus Rastafari which the directory lists as a faith.
RELIGIONS: list[tuple[str, str]] = [
    ("none", "No religion"),
    ("christian", "Christian"),
    ("buddhist", "Buddhist"),
    ("hindu", "Hindu"),
    ("jewish", "Jewish"),
    ("muslim", "Muslim"),
    ("sikh", "Sikh"),
    ("rastafari", "Rastafari"),
    ("other", "Any other religion or belief"),
    ("not-stated", "Prefer not to say"),
]

GENDERS: list[tuple[str, str]] = [
    ("woman", "Woman"),
    ("man", "Man"),
    ("non-binary", "Non-binary"),
    ("self-described", "Prefers to self-describe"),
    ("not-stated", "Prefer not to say"),
]

# What a referral can share. Each category maps to the fields of the snapshot.
DATA_CATEGORIES: list[tuple[str, str]] = [
    ("identity", "Name, date of birth and gender"),
    ("contact", "Contact details"),
    ("needs", "Needs and notes"),
    ("ethnicity-religion", "Ethnicity and religion"),
    ("language", "Preferred language and interpreter need"),
    ("area", "Home area (postcode district)"),
    ("commitments", "Commitments to schedule around"),
    ("offence-risk", "Offence and risk summary"),
]

LAWFUL_BASES: list[tuple[str, str]] = [
    ("consent", "Consent"),
    ("public-task", "Public task"),
    ("legal-obligation", "Legal obligation"),
    ("vital-interests", "Vital interests"),
    ("law-enforcement", "Law enforcement purposes (strictly necessary)"),
]

REGIMES: list[tuple[str, str]] = [
    ("uk-gdpr", "UK GDPR and Data Protection Act 2018 Part 2"),
    ("dpa-part-3", "Data Protection Act 2018 Part 3 (law enforcement)"),
]

HOW_GIVEN: list[tuple[str, str]] = [
    ("verbal", "Verbally"),
    ("written", "In writing"),
    ("digital", "Digitally"),
]

DECLINE_REASONS: list[tuple[str, str]] = [
    ("no-capacity", "No capacity"),
    ("not-eligible", "Not eligible"),
    ("outside-area", "Outside the area we cover"),
    ("unable-to-contact", "Unable to contact the person"),
    ("other", "Other"),
]

FEEDBACK_ANSWERS: list[tuple[str, str]] = [
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
    ("not-sure", "Not sure"),
]

NEED_CATEGORIES_CHOICES: list[tuple[str, str]] = NEED_CATEGORIES

ETHNICITY_NAMES = dict(ETHNICITIES)
RELIGION_NAMES = dict(RELIGIONS)
GENDER_NAMES = dict(GENDERS)
DATA_CATEGORY_NAMES = dict(DATA_CATEGORIES)
NEED_NAMES = dict(NEED_CATEGORIES)
LAWFUL_BASIS_NAMES = dict(LAWFUL_BASES)
REGIME_NAMES = dict(REGIMES)
HOW_GIVEN_NAMES = dict(HOW_GIVEN)
DECLINE_REASON_NAMES = dict(DECLINE_REASONS)
FEEDBACK_NAMES = dict(FEEDBACK_ANSWERS)
