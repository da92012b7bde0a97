"""Controlled vocabularies: need categories, community attributes and enumerations.

These are seeded as TaxonomyTerm rows so that they can be published as HSDS attributes;
the codes here are stable identifiers used in URLs and exports.
"""
from __future__ import annotations

import enum

NEED_CATEGORIES: list[tuple[str, str]] = [
    ("accommodation", "Accommodation"),
    ("ete", "Education, training and employment"),
    ("health", "Health (physical)"),
    ("mental-health", "Mental health and wellbeing"),
    ("drugs-alcohol", "Drugs and alcohol"),
    ("finance", "Finance, benefits and debt"),
    ("families", "Children, families and relationships"),
    ("attitudes", "Attitudes, thinking and behaviour"),
    ("faith", "Faith and belief"),
    ("culture-identity", "Culture and identity"),
    ("womens-services", "Women's services"),
    ("mentoring", "Mentoring and peer support"),
    ("sport-arts", "Sport, arts and activities"),
    ("immigration-legal", "Immigration and legal advice"),
    ("domestic-abuse", "Domestic abuse"),
    ("bereavement-trauma", "Bereavement and trauma"),
]
NEED_NAMES: dict[str, str] = dict(NEED_CATEGORIES)

LED_BY: list[tuple[str, str]] = [
    ("black-led", "Black-led"),
    ("asian-led", "Asian-led"),
    ("muslim-led", "Muslim-led"),
    ("sikh-led", "Sikh-led"),
    ("christian-led", "Christian-led"),
    ("women-led", "Women-led"),
    ("lived-experience-led", "Lived-experience-led"),
    ("refugee-led", "Refugee-led"),
    ("grt-led", "Gypsy, Roma and Traveller-led"),
]

# ONS 2021 census ethnic groups (19 detailed groups) plus common heritage communities.
COMMUNITIES: list[tuple[str, str]] = [
    ("asian-bangladeshi", "Asian: Bangladeshi"),
    ("asian-chinese", "Asian: Chinese"),
    ("asian-indian", "Asian: Indian"),
    ("asian-pakistani", "Asian: Pakistani"),
    ("asian-other", "Asian: any other Asian background"),
    ("black-african", "Black: African"),
    ("black-caribbean", "Black: Caribbean"),
    ("black-other", "Black: any other Black background"),
    ("mixed-white-asian", "Mixed: White and Asian"),
    ("mixed-white-black-african", "Mixed: White and Black African"),
    ("mixed-white-black-caribbean", "Mixed: White and Black Caribbean"),
    ("mixed-other", "Mixed: any other Mixed background"),
    ("white-british", "White: English, Welsh, Scottish, Northern Irish or British"),
    ("white-irish", "White: Irish"),
    ("white-gypsy-traveller", "White: Gypsy or Irish Traveller"),
    ("white-roma", "White: Roma"),
    ("white-other", "White: any other White background"),
    ("other-arab", "Other ethnic group: Arab"),
    ("other-any", "Other ethnic group: any other"),
    ("somali", "Heritage: Somali"),
    ("kurdish", "Heritage: Kurdish"),
    ("eastern-european", "Heritage: Eastern European"),
    ("refugees", "Refugees and asylum seekers"),
]

FAITHS: list[tuple[str, str]] = [
    ("muslim", "Muslim"),
    ("christian", "Christian"),
    ("sikh", "Sikh"),
    ("hindu", "Hindu"),
    ("jewish", "Jewish"),
    ("buddhist", "Buddhist"),
    ("rastafari", "Rastafari"),
    ("multi-faith", "Multi-faith"),
]

TAXONOMIES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "need": ("Need categories", NEED_CATEGORIES),
    "led-by": ("Led by", LED_BY),
    "community": ("Communities served", COMMUNITIES),
    "faith": ("Faith tradition", FAITHS),
}

# ISO 639-1 codes for languages commonly needed in the inspection areas.
LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"), ("ur", "Urdu"), ("pa", "Punjabi"), ("bn", "Bengali"),
    ("so", "Somali"), ("ar", "Arabic"), ("pl", "Polish"), ("ro", "Romanian"),
    ("gu", "Gujarati"), ("ku", "Kurdish"), ("fa", "Persian (Farsi)"), ("ps", "Pashto"),
    ("ti", "Tigrinya"), ("pt", "Portuguese"), ("tr", "Turkish"), ("zh", "Chinese"),
    ("cy", "Welsh"), ("hi", "Hindi"), ("sq", "Albanian"), ("lt", "Lithuanian"),
    ("sk", "Slovak"), ("cs", "Czech"), ("rom", "Romani"), ("bsl", "British Sign Language"),
]
LANGUAGE_NAMES = dict(LANGUAGES)


class ServiceStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Gender(enum.StrEnum):
    ANY = "any"
    WOMEN = "women"
    MEN = "men"

    @property
    def label(self) -> str:
        return {"any": "Anyone", "women": "Women only", "men": "Men only"}[self.value]


class Cost(enum.StrEnum):
    FREE = "free"
    LOW = "low"
    PAID = "paid"

    @property
    def label(self) -> str:
        return {"free": "Free", "low": "Low cost", "paid": "Paid"}[self.value]


class ReferralRoute(enum.StrEnum):
    SELF = "self"
    PRACTITIONER = "practitioner"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            "self": "Self-referral only",
            "practitioner": "Practitioner referral only",
            "both": "Self-referral or practitioner referral",
        }[self.value]


class AreaType(enum.StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    RADIUS = "radius"
    NATIONAL = "national"
    REMOTE = "remote"

    @property
    def label(self) -> str:
        return {
            "local_authority": "Local authority",
            "radius": "Within a radius",
            "national": "National",
            "remote": "Remote (phone or online)",
        }[self.value]


class GeocodeStatus(enum.StrEnum):
    OK = "ok"
    APPROXIMATE = "approximate"
    UNRESOLVED = "unresolved"

    @property
    def label(self) -> str:
        return {"ok": "Geocoded", "approximate": "Approximate (postcode district)",
                "unresolved": "Could not be geocoded"}[self.value]


class LinkStatus(enum.StrEnum):
    UNCHECKED = "unchecked"
    OK = "ok"
    BROKEN = "broken"


WEEKDAYS = [("MO", "Monday"), ("TU", "Tuesday"), ("WE", "Wednesday"), ("TH", "Thursday"),
            ("FR", "Friday"), ("SA", "Saturday"), ("SU", "Sunday")]
