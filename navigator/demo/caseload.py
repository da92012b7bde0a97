"""Demo caseload: about 300 fictional people and 400 referrals over the last year, for `navigator seed`.

Without people and referrals the practitioner's caseload, the provider's inbox, the overdue
queue, the gap map's demand and the equity view are all empty. `load_demo_caseload` fills
them by calling the referrals service functions exactly as the app's pages would (create
person, add need, record consent, create agreement, start / send / signpost / cancel a
referral, open / accept / decline / start / close it as the provider), passing each
service's `now` so that every status change and its event carry a time spread over the
last four quarters.

Everything here is made up. Names are combinations from short invented lists; case
references are in the reserved range Z990001-Z999999 (a valid CRN shape, "Z99" marks demo
data); only fictional organisations from the demo directory receive referrals, and their
provider staff sign-ins are demo accounts on example.org.

The plan is drawn from a fixed random seed, so every run plans the same caseload;
people are keyed on their case reference and a run skips anyone already present, which
makes the load idempotent (a second run adds nothing).

Backdating: a few services have no `now` parameter (creating a person, a need and a draft
referral, recording feedback) and stamp the real time. After the service calls, one
follow-up transaction moves those creation times back to the planned ones so that a
person exists before their needs and referrals. Audit events are never backdated: they
truly record when the demo loader ran.
"""
from __future__ import annotations

import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update

from navigator.auth.models import Role, User
from navigator.demo import directory as seed
from navigator.directory.models import Organisation, PostcodeDistrict, Service
from navigator.directory.vocab import AreaType, Gender, ReferralRoute, ServiceStatus
from navigator.extensions import db
from navigator.times import utcnow

CRN_PREFIX = "Z99"  # Z990001..Z999999: a valid CRN shape, reserved here for demo people
PEOPLE = 300
RANDOM_SEED = 20_250_601
PRACTITIONER = "practitioner@example.org"
SECOND_PRACTITIONER = "practitioner2@example.org"
DEMO_PROVIDER_ORG = "fict-caldmore-bridge"
ISA_TITLE = "Demo information-sharing agreement (fictional)"

# The fictional organisations that hold an information-sharing agreement, so referrals
# sharing data can go to them; every other fictional service can only be signposted to.
ISA_ORGANISATIONS = [
    "fict-caldmore-bridge", "fict-heritage-steps", "fict-whitmore-womens-space",
    "fict-ladypool-welfare", "fict-lozells-circle", "fict-sparkbrook-somali",
    "fict-drom-advice", "fict-manningham-pathways", "fict-princes-park-forum",
    "fict-bootle-dockside", "fict-spitalfields-dawn", "fict-newington-green-advice",
    "fict-kempston-womens-hub", "fict-ouse-bridge", "fict-most-advice", "fict-darbar-lane-seva",
    "fict-soundyard", "fict-lea-valley-traveller", "fict-wenlock-horn-hub",
]

# People per local authority (sums to PEOPLE). A person is referred within their group.
PEOPLE_PER_AREA = {
    "Birmingham": 66, "Walsall": 40, "Wolverhampton": 24, "Bradford": 40, "Calderdale": 10,
    "Liverpool": 30, "Sefton": 10, "Hackney": 25, "Tower Hamlets": 25, "Luton": 20, "Bedford": 10,
}
AREA_GROUPS = [
    {"Walsall", "Wolverhampton"}, {"Birmingham"}, {"Bradford", "Calderdale"},
    {"Liverpool", "Sefton"}, {"Hackney", "Tower Hamlets"}, {"Luton", "Bedford"},
]

# Census 2021 high-level ethnic group percentages for each area (rounded from the ONS
# table in shared/data): asian, black, mixed, white, other.
CENSUS_ETHNICITY = {
    "Birmingham": (31.0, 11.0, 4.8, 48.6, 4.5), "Walsall": (18.7, 4.6, 3.3, 71.4, 2.1),
    "Wolverhampton": (21.2, 9.3, 5.3, 60.6, 3.6), "Bradford": (32.1, 2.0, 2.7, 61.1, 2.0),
    "Calderdale": (10.5, 0.7, 1.9, 86.1, 0.8), "Liverpool": (5.7, 3.5, 3.5, 84.0, 3.3),
    "Sefton": (1.5, 0.5, 1.5, 95.8, 0.7), "Hackney": (10.4, 21.1, 6.7, 53.1, 8.7),
    "Tower Hamlets": (44.4, 7.3, 5.0, 39.4, 3.9), "Luton": (37.0, 10.1, 4.3, 45.2, 3.5),
    "Bedford": (12.6, 5.3, 4.6, 75.7, 1.8),
}
# Within the white group, the White British share (lower in inner London and Luton).
WHITE_BRITISH_SHARE = {"Hackney": 0.55, "Tower Hamlets": 0.6, "Luton": 0.75, "Bedford": 0.85}
ASIAN_SPLIT = {  # detailed Asian groups, loosely by area
    "default": {"asian-pakistani": 4, "asian-indian": 3, "asian-bangladeshi": 1, "asian-chinese": 1,
                "asian-other": 1},
    "Bradford": {"asian-pakistani": 8, "asian-indian": 1, "asian-bangladeshi": 1},
    "Tower Hamlets": {"asian-bangladeshi": 8, "asian-indian": 1, "asian-other": 1},
    "Walsall": {"asian-indian": 5, "asian-pakistani": 3, "asian-bangladeshi": 2},
    "Wolverhampton": {"asian-indian": 6, "asian-pakistani": 2, "asian-other": 2},
    "Liverpool": {"asian-chinese": 4, "asian-other": 3, "asian-indian": 2, "asian-pakistani": 1},
}
BLACK_SPLIT = {"black-african": 5, "black-caribbean": 4, "black-other": 1}
MIXED_SPLIT = {"mixed-white-black-caribbean": 4, "mixed-white-asian": 3, "mixed-white-black-african": 2,
               "mixed-other": 1}
WHITE_OTHER_SPLIT = {"white-other": 6, "white-irish": 2, "white-gypsy-traveller": 1, "white-roma": 1}
OTHER_SPLIT = {"other-arab": 4, "other-any": 6}

RELIGION_BY_ETHNICITY = {
    "white-british": {"christian": 42, "none": 48, "other": 2, "not-stated": 8},
    "white-irish": {"christian": 70, "none": 22, "not-stated": 8},
    "white-gypsy-traveller": {"christian": 80, "none": 12, "not-stated": 8},
    "white-roma": {"christian": 75, "none": 15, "not-stated": 10},
    "white-other": {"christian": 55, "none": 30, "muslim": 7, "jewish": 3, "not-stated": 5},
    "asian-pakistani": {"muslim": 90, "none": 4, "not-stated": 6},
    "asian-bangladeshi": {"muslim": 90, "none": 4, "not-stated": 6},
    "asian-indian": {"sikh": 40, "hindu": 35, "muslim": 12, "christian": 5, "none": 4, "not-stated": 4},
    "asian-chinese": {"none": 60, "buddhist": 15, "christian": 20, "not-stated": 5},
    "asian-other": {"hindu": 30, "muslim": 30, "buddhist": 10, "christian": 15, "none": 10, "not-stated": 5},
    "black-african": {"christian": 62, "muslim": 28, "none": 5, "not-stated": 5},
    "black-caribbean": {"christian": 50, "none": 32, "rastafari": 8, "not-stated": 10},
    "black-other": {"christian": 50, "muslim": 15, "none": 25, "not-stated": 10},
    "mixed": {"none": 45, "christian": 35, "muslim": 10, "not-stated": 10},
    "other-arab": {"muslim": 85, "christian": 8, "not-stated": 7},
    "other-any": {"muslim": 35, "christian": 25, "none": 25, "other": 5, "not-stated": 10},
    "not-stated": {"not-stated": 60, "none": 20, "christian": 20},
}
LANGUAGE_BY_ETHNICITY = {
    "asian-pakistani": {"en": 7, "ur": 2, "pa": 1}, "asian-bangladeshi": {"en": 7, "bn": 3},
    "asian-indian": {"en": 7, "pa": 2, "gu": 1}, "asian-chinese": {"en": 6, "zh": 4},
    "black-african": {"en": 7, "so": 2, "ti": 1}, "white-other": {"en": 5, "pl": 2, "ro": 2, "lt": 1},
    "white-roma": {"ro": 5, "sk": 3, "cs": 2}, "other-arab": {"en": 5, "ar": 5},
    "other-any": {"en": 6, "ku": 2, "fa": 2},
}
# Invented name parts: any combination is a made-up person.
FIRST_NAMES = {
    ("white", "man"): ["Callum", "Darren", "Liam", "Craig", "Wayne", "Jamie", "Shane", "Kieran"],
    ("white", "woman"): ["Kerry", "Leanne", "Gemma", "Stacey", "Jodie", "Nicola"],
    ("asian", "man"): ["Imran", "Rajinder", "Shahid", "Abdul", "Harpreet", "Tariq", "Mohammed", "Sunil"],
    ("asian", "woman"): ["Nasreen", "Parveen", "Simran", "Shabana", "Rukhsana", "Jaspreet"],
    ("black", "man"): ["Dwayne", "Kwame", "Tyrone", "Abdirahman", "Marlon", "Chidi", "Delroy", "Yusuf"],
    ("black", "woman"): ["Shanice", "Amina", "Chantelle", "Folake", "Marcia", "Hodan"],
    ("other", "man"): ["Ahmed", "Omar", "Karzan", "Dariusz", "Florin", "Reza", "Jordan", "Tyler"],
    ("other", "woman"): ["Layla", "Zainab", "Agnieszka", "Elena", "Jade", "Tanisha"],
}
SURNAMES = ["Ashmoor", "Brackenridge", "Corrowby", "Dunmarsh", "Elsworthy", "Fennimore", "Galloway-Reece",
            "Hollinsey", "Ingleby-Shaw", "Jessamine", "Kettlewood", "Larkhill", "Marlowen", "Norbridge",
            "Oakhanger", "Pellridge", "Quarrington", "Rookhurst", "Stellham", "Tarrowby", "Underhay",
            "Varrowfield", "Wendlecombe", "Yarrowdale"]
COMMITMENTS = [
    "Friday prayers (Jumu'ah), 1pm to 2pm", "Works night shifts Monday to Thursday",
    "School run at 8.30am and 3pm", "Sunday church in the morning", "Dialysis on Tuesdays and Fridays",
    "Attends the gurdwara on Sunday mornings", "Signs on at the jobcentre every other Wednesday",
]

NEED_WEIGHTS = {
    "accommodation": 14, "ete": 12, "finance": 12, "mental-health": 11, "drugs-alcohol": 10,
    "attitudes": 8, "mentoring": 9, "families": 7, "health": 5, "faith": 3, "culture-identity": 3,
    "sport-arts": 4, "immigration-legal": 2, "bereavement-trauma": 4, "domestic-abuse": 1,
    "womens-services": 0,
}
DECLINE_REASONS = {"no-capacity": 35, "not-eligible": 25, "outside-area": 15, "unable-to-contact": 15,
                   "other": 10}
DECLINE_DETAILS = {
    "no-capacity": "Our waiting list is closed until next month",
    "not-eligible": "The service is for people aged 25 and under",
    "outside-area": None,
    "unable-to-contact": "Three calls and a letter with no reply",
    "other": "The group this referral asked for has ended",
}
ENDED_EARLY_DETAILS = ["Moved out of the area", "Stopped attending after three sessions",
                       "Started full-time work and could not attend"]
CANCEL_REASONS = ["Recalled to custody", "The need has been met elsewhere", "Moved to another area",
                  "Recorded in error"]
# Provider actions after a referral is sent, as fractions of a day.
FATES = {"completed": 60, "declined": 16, "ended_early": 8, "did_not_attend": 8, "cancelled": 8}
CONSENT_CATEGORIES = ["identity", "contact", "needs", "ethnicity-religion", "language", "area", "commitments"]
NEW_FOR_DEMO_PROVIDER = 6  # sent in the last few days: the provider's "new" tab
OVERDUE_FOR_DEMO_PROVIDER = 4  # sent weeks ago and never acknowledged: the overdue queue
OVERDUE_ELSEWHERE = 2


class CaseloadError(ValueError):
    """The demo directory or demo users the caseload needs are missing."""


# ------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class _Svc:
    id: str
    org_id: str
    org_key: str
    needs: frozenset[str]
    gender: str
    referrable: bool  # a practitioner can refer (not self-referral only)
    areas: frozenset[str]  # local authorities of its locations
    wide: bool  # national or remote
    isa: bool


@dataclass
class _Step:
    action: str  # send, signpost, open, accept, decline, start, complete, end-early, did-not-attend, cancel
    at: datetime
    reason: str | None = None  # decline reason code
    detail: str | None = None


@dataclass
class _ReferralPlan:
    service: _Svc
    need: str
    created_at: datetime
    signpost: bool
    steps: list[_Step] = field(default_factory=list)
    feedback: bool = False


@dataclass
class _PersonPlan:
    crn: str
    name: str
    date_of_birth: date
    gender: str
    ethnicity: str
    religion: str
    language: str
    interpreter: bool
    outcode: str
    area: str
    commitments: str | None
    owner: str  # email of the practitioner who holds the case
    needs: list[tuple[str, bool]]  # (category, person agrees)
    referrals: list[_ReferralPlan] = field(default_factory=list)
    created_at: datetime | None = None
    withdraw: bool = False


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _office(moment: datetime) -> datetime:
    """The same moment, or the next weekday office hour if it falls outside 09:00-17:00."""
    if moment.hour >= 17:
        moment = datetime.combine(moment.date() + timedelta(days=1), time(9, 15), tzinfo=UTC)
    elif moment.hour < 9:
        moment = moment.replace(hour=9, minute=15)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


def _ethnicity(rng: random.Random, area: str) -> str:
    if rng.random() < 0.03:
        return "not-stated"
    asian, black, mixed, white, other = CENSUS_ETHNICITY[area]
    broad = _pick(rng, {"asian": asian, "black": black, "mixed": mixed, "white": white, "other": other})
    if broad == "white":
        if rng.random() < WHITE_BRITISH_SHARE.get(area, 0.9):
            return "white-british"
        return _pick(rng, WHITE_OTHER_SPLIT)
    split = {"asian": ASIAN_SPLIT.get(area, ASIAN_SPLIT["default"]), "black": BLACK_SPLIT,
             "mixed": MIXED_SPLIT, "other": OTHER_SPLIT}[broad]
    return _pick(rng, split)


def _name(rng: random.Random, ethnicity: str, gender: str) -> str:
    group = ethnicity.split("-")[0]
    group = {"mixed": rng.choice(["white", "black", "asian"]), "not": "white"}.get(group, group)
    if group == "white" and ethnicity not in ("white-british", "white-irish"):
        group = "other"
    first = FIRST_NAMES[(group, "woman" if gender == "woman" else "man")]
    return f"{rng.choice(first)} {rng.choice(SURNAMES)}"


def _needs(rng: random.Random, gender: str, religion: str, ethnicity: str) -> list[tuple[str, bool]]:
    weights = dict(NEED_WEIGHTS)
    if gender == "woman":
        weights.update({"womens-services": 14, "domestic-abuse": 8, "families": 10})
    if religion not in ("none", "not-stated"):
        weights["faith"] = 8
    if ethnicity != "white-british":
        weights.update({"culture-identity": 8, "immigration-legal": 4})
    count = rng.choices([1, 2, 3, 4], weights=[25, 40, 25, 10])[0]
    chosen: list[str] = []
    while len(chosen) < count:
        need = _pick(rng, weights)
        if need not in chosen:
            chosen.append(need)
    # Most needs are agreed with the person; a few are recorded as not agreed (yet).
    return [(need, rng.random() < 0.9) for need in chosen]


def _gender_fits(service: _Svc, gender: str) -> bool:
    return (service.gender == Gender.ANY or (service.gender == Gender.WOMEN and gender == "woman")
            or (service.gender == Gender.MEN and gender == "man"))


def _timeline(rng: random.Random, plan: _ReferralPlan, now: datetime) -> None:
    """The provider's and practitioner's steps after sending, cut off at `now`."""
    sent = _office(plan.created_at + timedelta(minutes=rng.randint(5, 90)))
    steps = [_Step("send", sent)]
    fate = _pick(rng, FATES)
    received = _office(sent + timedelta(days=rng.uniform(0.05, 1.2)))
    # Acknowledged within two working days unless the plan says otherwise (overdue ones).
    decided = _office(received + timedelta(days=rng.uniform(0.05, 1.0)))
    if fate == "cancelled" and rng.random() < 0.3:
        steps.append(_Step("cancel", _office(sent + timedelta(hours=rng.uniform(1, 20))),
                           detail=rng.choice(CANCEL_REASONS)))
        return _cut(plan, steps, now)
    steps.append(_Step("open", received))
    if fate == "declined":
        reason = _pick(rng, DECLINE_REASONS)
        steps.append(_Step("decline", decided, reason=reason, detail=DECLINE_DETAILS[reason]))
        return _cut(plan, steps, now)
    steps.append(_Step("accept", decided))
    began = _office(decided + timedelta(days=rng.uniform(3, 20)))
    if fate == "cancelled":
        steps.append(_Step("cancel", _office(decided + timedelta(days=rng.uniform(1, 10))),
                           detail=rng.choice(CANCEL_REASONS)))
        return _cut(plan, steps, now)
    if fate == "did_not_attend" and rng.random() < 0.5:
        steps.append(_Step("did-not-attend", began))
        return _cut(plan, steps, now)
    steps.append(_Step("start", began))
    if fate == "did_not_attend":
        steps.append(_Step("did-not-attend", _office(began + timedelta(days=rng.uniform(3, 30)))))
    elif fate == "ended_early":
        steps.append(_Step("end-early", _office(began + timedelta(days=rng.uniform(5, 40))),
                           detail=rng.choice(ENDED_EARLY_DETAILS)))
    else:
        steps.append(_Step("complete", _office(began + timedelta(days=rng.uniform(14, 90)))))
        plan.feedback = rng.random() < 0.4
    _cut(plan, steps, now)


def _cut(plan: _ReferralPlan, steps: list[_Step], now: datetime) -> None:
    """Keep only what has happened by now: a recent referral is still in progress."""
    plan.steps = [s for s in steps if s.at < now]
    if not plan.steps or plan.steps[-1].action != "complete":
        plan.feedback = False


def plan_caseload(services: list[_Svc], districts: dict[str, list[str]], now: datetime,
                  seed: int = RANDOM_SEED) -> list[_PersonPlan]:
    """The whole demo caseload as plain data, the same for the same directory, seed and day."""
    rng = random.Random(seed)
    year_ago = now - timedelta(days=365)
    people: list[_PersonPlan] = []
    number = 0
    for area, count in PEOPLE_PER_AREA.items():
        outcodes = districts.get(area)
        if not outcodes:
            continue
        group = next(g for g in AREA_GROUPS if area in g)
        local = [s for s in services if s.areas & group or s.wide]
        for _ in range(count):
            number += 1
            gender = _pick(rng, {"man": 84, "woman": 14, "non-binary": 1, "not-stated": 1})
            ethnicity = _ethnicity(rng, area)
            religion = _pick(rng, RELIGION_BY_ETHNICITY.get(
                "mixed" if ethnicity.startswith("mixed") else ethnicity, RELIGION_BY_ETHNICITY["not-stated"]))
            language = _pick(rng, LANGUAGE_BY_ETHNICITY.get(ethnicity, {"en": 1}))
            age_days = rng.randint(18 * 365 + 30, 64 * 365)
            person = _PersonPlan(
                crn=f"{CRN_PREFIX}{number:04d}", name=_name(rng, ethnicity, gender),
                date_of_birth=(now - timedelta(days=age_days)).date(), gender=gender, ethnicity=ethnicity,
                religion=religion, language=language, interpreter=language != "en" and rng.random() < 0.6,
                outcode=rng.choice(outcodes), area=area,
                commitments=rng.choice(COMMITMENTS) if rng.random() < 0.2 else None,
                owner=SECOND_PRACTITIONER if rng.random() < 0.2 else PRACTITIONER,
                needs=_needs(rng, gender, religion, ethnicity),
            )
            _plan_referrals(rng, person, local, year_ago, now)
            people.append(person)
    _force_inbox_shape(rng, people, now)
    for person in people:
        _plan_person_times(rng, person, now)
    _plan_withdrawals(people, now)
    return people


def _plan_referrals(rng: random.Random, person: _PersonPlan, local: list[_Svc], start: datetime,
                    now: datetime) -> None:
    agreed = [need for need, agrees in person.needs if agrees]
    if not agreed:
        return
    options = {need: [s for s in local if need in s.needs and _gender_fits(s, person.gender)]
               for need in agreed}
    referrable = {need: [s for s in found if s.isa and s.referrable] for need, found in options.items()}
    wanted = rng.choices([0, 1, 2, 3], weights=[10, 30, 32, 28])[0]
    for _ in range(wanted):
        # Later in the year more of it: the trends have a rising shape.
        created = _office(start + (now - start) * (rng.random() ** 0.8))
        if created >= now:
            created = now - timedelta(hours=rng.uniform(2, 30))
        # A need can be referred for twice (say, after a decline), so needs repeat.
        sendable = [need for need in agreed if referrable[need]]
        if sendable and rng.random() < 0.9:
            need = rng.choice(sendable)
            weights = [3 if s.org_key == DEMO_PROVIDER_ORG else 1 for s in referrable[need]]
            plan = _ReferralPlan(rng.choices(referrable[need], weights=weights)[0], need, created, False)
            _timeline(rng, plan, now)
            if not plan.steps:
                plan.steps = [_Step("send", min(created + timedelta(minutes=10), now - timedelta(minutes=1)))]
        else:
            need = rng.choice(agreed)
            if not options[need]:
                continue  # nothing near for this need: demand the gap map shows as unmet
            signposted = min(created + timedelta(minutes=rng.randint(2, 30)), now - timedelta(minutes=1))
            plan = _ReferralPlan(rng.choice(options[need]), need, created, True,
                                 [_Step("signpost", signposted)])
        person.referrals.append(plan)


def _recent(rng: random.Random, now: datetime, days: float) -> datetime:
    """A time in the last `days` days, preferring office hours when they have passed already."""
    moment = now - timedelta(days=rng.uniform(0.1, days))
    office = _office(moment)
    return office if office < now else moment


def _force_inbox_shape(rng: random.Random, people: list[_PersonPlan], now: datetime) -> None:
    """Make sure the provider has new referrals and a few overdue ones sit in the queue."""
    sent = [(p, r) for p in people for r in p.referrals if not r.signpost]
    demo = [r for _, r in sent if r.service.org_key == DEMO_PROVIDER_ORG]
    others = [r for _, r in sent if r.service.org_key != DEMO_PROVIDER_ORG]
    demo.sort(key=lambda r: r.created_at, reverse=True)
    for plan in demo[:NEW_FOR_DEMO_PROVIDER]:
        plan.created_at = _recent(rng, now, 3)
        sent_at = min(plan.created_at + timedelta(minutes=20), now - timedelta(minutes=1))
        plan.steps = [_Step("send", sent_at)]
        if rng.random() < 0.5:
            plan.steps.append(_Step("open", min(sent_at + timedelta(hours=2), now - timedelta(seconds=30))))
        plan.feedback = False
    overdue = demo[NEW_FOR_DEMO_PROVIDER:NEW_FOR_DEMO_PROVIDER + OVERDUE_FOR_DEMO_PROVIDER]
    overdue += others[:OVERDUE_ELSEWHERE]
    for i, plan in enumerate(overdue):
        plan.created_at = _office(now - timedelta(days=rng.uniform(10, 40)))
        sent_at = plan.created_at + timedelta(minutes=30)
        plan.steps = [_Step("send", sent_at)]
        if i % 2:
            plan.steps.append(_Step("open", _office(sent_at + timedelta(days=1))))
        plan.feedback = False


def _plan_person_times(rng: random.Random, person: _PersonPlan, now: datetime) -> None:
    if person.referrals:
        first = min(r.created_at for r in person.referrals)
        person.created_at = first - timedelta(days=rng.uniform(1, 60))
    else:
        person.created_at = now - timedelta(days=rng.uniform(2, 420))
    person.created_at = _office(person.created_at)
    if person.referrals:
        first = min(r.created_at for r in person.referrals)
        person.created_at = min(person.created_at, first - timedelta(hours=2))


def _plan_withdrawals(people: list[_PersonPlan], now: datetime) -> None:
    """Two people later withdraw consent, after everything shared for them has closed."""
    closed = {"decline", "complete", "end-early", "did-not-attend", "cancel"}
    count = 0
    for person in people:
        sent = [r for r in person.referrals if not r.signpost]
        if (sent and all(r.steps[-1].action in closed for r in sent) and count < 2
                and _last_time(person) < now - timedelta(days=10)):
            person.withdraw = True
            count += 1


def _last_time(person: _PersonPlan) -> datetime:
    times = [person.created_at] + [s.at for r in person.referrals for s in r.steps]
    return max(times)


# ------------------------------------------------------------------------------ loading


@dataclass
class CaseloadReport:
    people: int = 0
    referrals: int = 0
    signposts: int = 0
    agreements: int = 0
    people_skipped: int = 0
    users_created: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        if not self.people and not self.agreements and not self.users_created:
            return f"Demo caseload already loaded ({self.people_skipped} demo people); nothing added."
        return (f"Demo caseload: {self.people} people, {self.referrals} referrals and {self.signposts} "
                f"signposts added, {self.agreements} information-sharing agreements"
                + (f"; new sign-ins with the demo password: {self._sign_ins()}" if self.users_created else "")
                + ".")

    def _sign_ins(self) -> str:
        staff = [email for email, role in self.users_created if role == Role.PROVIDER.value]
        others = [email for email, role in self.users_created if role != Role.PROVIDER.value]
        if staff:
            others.append(f"{len(staff)} provider staff (provider.<organisation>@example.org)")
        return ", ".join(others)


class _QuietNotifier:
    """Writes nothing: hundreds of backdated demo notices would swamp the outbox (and real SMTP)."""

    def send(self, session, recipient, subject, reference, link, organization_id=None):
        return None


@contextmanager
def _loading():
    """Quiet notifications, and keep loaded rows across the services' thousands of commits.

    Each service commits, which normally expires every object and makes the next call
    reload the same users, services and people; nobody else writes these new rows while
    the loader runs, so keeping them makes the load about twice as fast.
    """
    extensions = current_app.extensions
    previous = extensions.get("navigator_notifier")
    extensions["navigator_notifier"] = _QuietNotifier()
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = expire
        if previous is None:
            extensions.pop("navigator_notifier", None)
        else:
            extensions["navigator_notifier"] = previous


def load_demo_caseload(password: str, now: datetime | None = None) -> CaseloadReport:
    """Load the demo caseload through the referrals services; a second run adds nothing.

    Needs `seed.load_demo` first (the demo directory and demo users). Creates the second
    demo practitioner and one demo provider sign-in per fictional organisation with an
    agreement, using `password` (only for accounts it creates). Raises CaseloadError when
    the demo directory or users are missing, ValidationError for an unacceptable password.
    """
    from navigator.referrals.models import Person

    now = now or utcnow()
    fictional = {o["source_id"] for o in seed.read_listings() if o.get("fictional")}
    services = _catalogue(fictional)
    if not services:
        raise CaseloadError("The demo directory is not loaded: run `navigator seed` first")
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@example.org")))}
    for email in (PRACTITIONER, "navigator@example.org"):
        if email not in users:
            raise CaseloadError(f"The demo user {email} is missing: run `navigator seed` first")

    report = CaseloadReport()
    report.users_created += _ensure_users(users, services, password)
    plans = plan_caseload(services, _districts(), now)
    existing = set(db.session.scalars(select(Person.case_reference).where(
        Person.case_reference.like(CRN_PREFIX + "%"))))
    todo = [p for p in plans if p.crn not in existing]
    report.people_skipped = len(plans) - len(todo)
    if todo:
        report.agreements = _ensure_agreements(services, users["navigator@example.org"].id, now)
    ids = {email: user.id for email, user in users.items()}
    provider_ids = {u.organization_id: u.id for u in users.values()
                    if u.role == Role.PROVIDER and u.organization_id and u.active}
    backdates: list[tuple[_PersonPlan, str, dict[str, str], list[tuple[_ReferralPlan, str]]]] = []
    with _loading():
        for plan in todo:
            backdates.append(_load_person(plan, ids[plan.owner], provider_ids, report))
    _backdate(backdates)
    return report


def _catalogue(fictional: set[str]) -> list[_Svc]:

    rows = db.session.scalars(
        select(Service).join(Organisation, Organisation.id == Service.organization_id)
        .where(Service.source == seed.SOURCE, Service.deleted_at.is_(None),
               Service.status == ServiceStatus.ACTIVE, Organisation.active.is_(True),
               Organisation.source_id.in_(sorted(fictional)))
        .order_by(Service.source_id))
    out = []
    for service in rows:
        areas = frozenset(loc.lad_name for loc in service.locations if loc.lad_name)
        wide = any(a.extent_type in (AreaType.NATIONAL, AreaType.REMOTE) for a in service.service_areas)
        out.append(_Svc(
            id=service.id, org_id=service.organization_id, org_key=service.organisation.source_id,
            needs=frozenset(t.code for t in service.terms("need")), gender=str(service.gender),
            referrable=service.referral_route != ReferralRoute.SELF, areas=areas, wide=wide,
            isa=service.organisation.source_id in ISA_ORGANISATIONS,
        ))
    return out


def _districts() -> dict[str, list[str]]:
    """Local authority name -> its demo postcode districts (non-geographic ones left out)."""
    out: dict[str, list[str]] = {}
    for district in db.session.scalars(select(PostcodeDistrict).order_by(PostcodeDistrict.outcode)):
        digits = "".join(ch for ch in district.outcode if ch.isdigit())
        if district.lad_name and digits and int(digits) < 90:
            out.setdefault(district.lad_name, []).append(district.outcode)
    return out


def _ensure_users(users: dict[str, User], services: list[_Svc], password: str) -> list[tuple[str, str]]:
    """The second practitioner and a provider sign-in for each organisation with an agreement."""
    from navigator.auth.services import create_user

    created = []
    if SECOND_PRACTITIONER not in users:
        users[SECOND_PRACTITIONER] = create_user(SECOND_PRACTITIONER, "Demo Practitioner Two",
                                                 Role.PRACTITIONER, password)
        created.append((SECOND_PRACTITIONER, Role.PRACTITIONER.value))
    staffed = {u.organization_id for u in users.values() if u.role == Role.PROVIDER}
    orgs = {s.org_id: s.org_key for s in services if s.isa}
    for org_id, key in sorted(orgs.items(), key=lambda kv: kv[1]):
        if org_id in staffed:
            continue
        email = f"provider.{key.removeprefix('fict-')}@example.org"
        if email in users:
            continue
        org = db.session.get(Organisation, org_id)
        users[email] = create_user(email, f"Demo Provider ({org.name})"[:200], Role.PROVIDER,
                                   password or secrets.token_urlsafe(16), org_id)
        created.append((email, Role.PROVIDER.value))
    return created


def _ensure_agreements(services: list[_Svc], navigator_id: int, now: datetime) -> int:
    from navigator.referrals.models import InformationSharingAgreement
    from navigator.referrals.services import create_agreement

    have = set(db.session.scalars(select(InformationSharingAgreement.organization_id)
                                  .where(InformationSharingAgreement.title == ISA_TITLE)))
    created = 0
    for org_id in sorted({s.org_id for s in services if s.isa}):
        if org_id in have:
            continue
        create_agreement({"organization_id": org_id, "title": ISA_TITLE,
                          "starts_on": (now - timedelta(days=420)).date().isoformat(),
                          "ends_on": (now + timedelta(days=730)).date().isoformat()}, navigator_id)
        created += 1
    return created


def _load_person(plan: _PersonPlan, owner_id: int, provider_ids: dict[str, int], report: CaseloadReport):
    from navigator.referrals import services as rs

    person = rs.create_person({
        "case_reference": plan.crn, "name": plan.name, "date_of_birth": plan.date_of_birth,
        "gender": plan.gender, "ethnicity": plan.ethnicity, "religion": plan.religion,
        "preferred_language": plan.language, "interpreter_needed": plan.interpreter,
        "home_postcode": plan.outcode, "commitments": plan.commitments,
    }, owner_id)
    person_id = person.id
    need_ids: dict[str, str] = {}
    for category, agrees in plan.needs:
        need = rs.add_need(person_id, {"category": category, "person_agrees": "yes" if agrees else "no",
                                       "notes": None}, owner_id)
        need_ids[category] = need.id
    sent = [r for r in plan.referrals if not r.signpost and r.service.org_id in provider_ids]
    consent_id = None
    if sent:
        given = min(r.steps[0].at for r in sent) - timedelta(minutes=15)
        consent = rs.record_consent(person_id, {
            "data_categories": CONSENT_CATEGORIES,
            "organization_ids": sorted({r.service.org_id for r in sent}),
            "purpose": "Referral to community services for the needs agreed at supervision",
            "lawful_basis": "consent", "regime": "uk-gdpr", "how_given": "verbal",
            "privacy_notice_version": "Demo privacy notice v1",
            "expires_on": (given + timedelta(days=730)).date().isoformat(),
        }, owner_id, now=given)
        consent_id = consent.id
    referrals = []
    for referral_plan in plan.referrals:
        if not referral_plan.signpost and referral_plan.service.org_id not in provider_ids:
            continue  # no provider sign-in to act on it (an organisation made inactive since)
        referral_id = _load_referral(referral_plan, person_id, need_ids, owner_id,
                                     provider_ids.get(referral_plan.service.org_id), plan.language)
        referrals.append((referral_plan, referral_id))
        report.signposts += referral_plan.signpost
        report.referrals += not referral_plan.signpost
    if plan.withdraw and consent_id:
        last = max(s.at for r, _ in referrals for s in r.steps)
        rs.withdraw_consent(consent_id, owner_id, "The person asked us to stop sharing",
                            now=last + timedelta(days=2))
    report.people += 1
    return plan, person_id, need_ids, referrals


def _load_referral(plan: _ReferralPlan, person_id: str, need_ids: dict[str, str], owner_id: int,
                   provider_id: int | None, language: str) -> str:
    from navigator.referrals import services as rs

    referral = rs.start_referral(plan.service.id, person_id, owner_id)
    referral_id = referral.id
    rs.set_referral_needs(referral_id, [need_ids[plan.need]], owner_id)
    if not plan.signpost:
        categories = ["identity", "needs", "area"] + (["language"] if language != "en" else [])
        rs.set_referral_sharing(referral_id, {
            "data_categories": categories,
            "message": "Agreed at supervision: the person would like support from this service.",
        }, owner_id)
    for step in plan.steps:
        if step.action == "send":
            rs.send_referral(referral_id, owner_id, now=step.at)
        elif step.action == "signpost":
            rs.signpost_referral(referral_id, owner_id, now=step.at)
        elif step.action == "cancel":
            rs.cancel_referral(referral_id, step.detail, owner_id, now=step.at)
        elif step.action == "open":
            rs.open_referral(referral_id, provider_id, now=step.at)
        else:
            rs.update_referral_status(referral_id, step.action, provider_id, step.reason, step.detail,
                                      now=step.at)
    if plan.feedback:
        rs.record_feedback(referral_id, {"helpful": "yes", "felt_understood": "yes"}, owner_id)
    return referral_id


def _backdate(loaded) -> None:
    """Move creation times the services stamped with the real time back to the planned ones.

    create_person, add_need, start_referral and record_feedback take no `now`; without this,
    every person would appear to be created today, after their own referrals.
    """
    from navigator.referrals.models import Feedback, Need, Person, Referral, ReferralEvent

    if not loaded:
        return
    people, needs, referrals, drafts, feedback = [], [], [], [], []
    for plan, person_id, need_ids, referral_ids in loaded:
        last = _last_time(plan)
        people.append({"id": person_id, "created_at": plan.created_at, "updated_at": last,
                       "last_activity_at": last})
        for i, (category, _agrees) in enumerate(plan.needs):
            needs.append({"id": need_ids[category], "created_at": plan.created_at + timedelta(minutes=5 + i)})
        for referral_plan, referral_id in referral_ids:
            referrals.append({"id": referral_id, "created_at": referral_plan.created_at})
            drafts.append((referral_id, referral_plan.created_at))
            if referral_plan.feedback:
                feedback.append((referral_id, referral_plan.steps[-1].at + timedelta(days=1)))
    try:
        db.session.execute(update(Person), people)
        db.session.execute(update(Need), needs)
        db.session.execute(update(Referral), referrals)
        created = dict(drafts)
        event_rows = db.session.execute(select(ReferralEvent.id, ReferralEvent.referral_id).where(
            ReferralEvent.to_status == "draft", ReferralEvent.referral_id.in_(list(created))))
        db.session.execute(update(ReferralEvent),
                           [{"id": eid, "at": created[rid]} for eid, rid in event_rows])
        when = dict(feedback)
        if when:
            rows = db.session.execute(select(Feedback.id, Feedback.referral_id)
                                      .where(Feedback.referral_id.in_(list(when))))
            db.session.execute(update(Feedback), [{"id": fid, "recorded_at": when[rid]} for fid, rid in rows])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
