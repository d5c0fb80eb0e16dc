"""The two differencing attacks of issue 11, replayed through the real admin
URLs against the real metrics, and shown to reveal nothing.

1. Two date ranges on the same cohort: the whole of March, then March to the
   10th. Three learners activated after the 10th. Before the cell key method
   both tables were served with exact rates, and subtracting gave the 3.
2. Two characteristics whose populations differ by 3: sex for cohort A, then
   ethnic group for every cohort pooled (cohort B adds three learners). The
   differencing check kept one history per characteristic, so both were
   served, and the "Everyone" rows, the same people in any characteristic,
   differed by exactly the three.

"Reveals nothing" is shown the strongest way a test can: for each attack a
second world, the same learners with the same record keys but a different
answer (2 learners activated after the 10th instead of 3; 4 learners in
cohort B instead of 3), serves exactly the same pages and exports, byte for
byte. Whatever the analyst subtracts, the figures cannot tell the two worlds
apart. (The record keys are chosen so that the twin exists; they are as
likely as any other keys, and the analyst never sees them.)"""

import csv
import io
import random
from datetime import UTC, date, datetime

import pytest

from lms.cohorts.models import Cohort, Membership, Programme
from lms.equity.models import EquityProfile, RecordKey
from lms.pathways.models import Pathway, PathwayItem
from lms.progress.models import LearningEvent, LessonProgress, Verb
from lms.reports import disclosure
from lms.reports.facts import recompute
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db

EQUITY = "/admin/reports/equity/"
EARLY = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # before the 10th
LATE = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)  # after it
WHOLE_MONTH = {"since": "2026-03-01", "until": "2026-03-31"}
TO_THE_10TH = {"since": "2026-03-01", "until": "2026-03-10"}


def learner(django_user_model, email, cohort, **answers):
    user = django_user_model.objects.create_user(email)
    Membership.objects.create(cohort=cohort, user=user)
    if answers:
        EquityProfile.objects.create(
            user=user,
            consent_version="1",
            consented_at=datetime(2026, 2, 1, tzinfo=UTC),
            **answers,
        )
    return user


def activate(user, lesson, moment):
    """One lesson completed at `moment`, four minutes spent: one active week,
    not engaged, not the whole pathway."""
    LessonProgress.objects.create(
        user=user,
        lesson=lesson,
        course_id=lesson.get_parent().pk,
        started_at=moment,
        completed_at=moment,
        seconds_spent=240,
    )
    LearningEvent.objects.create(user=user, verb=Verb.COMPLETED, lesson=lesson, occurred_at=moment)


def move_activation(user, moment):
    LessonProgress.objects.filter(user=user).update(started_at=moment, completed_at=moment)
    LearningEvent.objects.filter(user=user).update(occurred_at=moment)
    recompute([user.pk])  # update() sends no signal: the report facts follow by hand


def set_keys(keys: dict):
    RecordKey.objects.filter(user__in=list(keys)).delete()
    RecordKey.objects.bulk_create(RecordKey(user=user, key=key) for user, key in keys.items())


@pytest.fixture
def analyst(staff_client):
    return staff_client("analyst", email="analyst@example.com")


@pytest.fixture
def cohorts(library):
    lessons = lessons_of("buying-ai-well")
    programme = Programme.objects.create(name="AI for SME leaders")
    pathway = Pathway.objects.create(title="Buying AI", slug="p-buying-differencing")
    PathwayItem.objects.create(pathway=pathway, course=lessons[0].course, sort_order=0)

    def cohort(name):
        return Cohort.objects.create(
            name=name,
            programme=programme,
            pathway=pathway,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
        )

    return {"a": cohort("Tees Valley spring"), "b": cohort("Hull spring"), "lesson": lessons[0]}


def pages(client, params):
    """What the analyst gets for one selection: the table as shown, the
    chart, the declared line and the whole CSV export."""
    screen = client.get(EQUITY, params)
    assert screen.status_code == 200
    export = client.get(EQUITY, {**params, "export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    context = screen.context
    declared = context["declared"]
    return {
        "rows": context["rows"],
        "chart": str(context["chart"]),
        "declared": (declared["count"].text, declared["share"].text),
        "csv": b"".join(export.streaming_content).decode(),
    }


def figure(page, label, column):
    rows = list(csv.reader(io.StringIO(page["csv"])))
    header = next(row for row in rows if row[:1] == ["Group"])
    row = next(row for row in rows if row[:1] == [label] and row is not header)
    return row[header.index(column)]


# -- attack 1 -------------------------------------------------------------------


def test_two_date_ranges_on_one_cohort_do_not_reveal_who_activated_late(
    django_user_model, cohorts, analyst
):
    """40 learners in cohort A, all answered sex (20 female, 20 male); 24
    activate on 3 March (12 and 12); three more (2 female, 1 male) on 17
    March. Twin world: the same, except that `x`, a late female, activated
    on 3 March: 2 late activators instead of 3."""
    a, lesson = cohorts["a"], cohorts["lesson"]
    people = [
        learner(django_user_model, f"l{n}@example.com", a, sex="female" if n < 20 else "male")
        for n in range(40)
    ]
    early = people[:12] + people[20:32]
    late = [people[12], people[13], people[32]]
    x = late[0]
    for user in early:
        activate(user, lesson, EARLY)
    for user in late:
        activate(user, lesson, LATE)

    # Record keys: random, except that x's is one of the keys under which the
    # twin world serves the same figures (found by trying them all).
    rng = random.Random(11)
    for _ in range(1000):
        keys = {user: rng.randrange(256) for user in people}
        everyone_early = sum(keys[u] for u in early)
        female_early = sum(keys[u] for u in early if u in people[:20])
        found = [
            k
            for k in range(256)
            if disclosure.perturb(24, everyone_early) == disclosure.perturb(25, everyone_early + k)
            and disclosure.perturb(12, female_early) == disclosure.perturb(13, female_early + k)
        ]
        if found:
            keys[x] = found[0]
            break
    else:  # pragma: no cover - about one key set in five has a twin
        pytest.fail("no record keys with a twin world")
    set_keys(keys)

    first = {"characteristic": "sex", "cohort": a.pk}
    world = {name: pages(analyst, {**first, **dates}) for name, dates in
             (("month", WHOLE_MONTH), ("to_10th", TO_THE_10TH))}  # fmt: skip
    # The attack: everyone who activated in March, less those by the 10th.
    assert figure(world["month"], "Everyone", "Activated") != "Hidden: fewer than 10 learners"
    # Asking again gives the same pages: there is no fresh noise to average.
    assert pages(analyst, {**first, **TO_THE_10TH}) == world["to_10th"]

    move_activation(x, EARLY)  # the twin world: 2 activated after the 10th
    twin = {name: pages(analyst, {**first, **dates}) for name, dates in
            (("month", WHOLE_MONTH), ("to_10th", TO_THE_10TH))}  # fmt: skip

    assert twin == world  # the same rows, chart, declared line and CSV, in both ranges


# -- attack 2 -------------------------------------------------------------------


def test_two_characteristics_whose_populations_differ_by_three_reveal_nothing(
    django_user_model, cohorts, analyst
):
    """Cohort A: 40 learners who answered sex and ethnic group, 25 of them
    activated. Cohort B: three more, two of whom activated. Sex for cohort A,
    then ethnic group for all cohorts pooled: 40 and 43 learners. Twin world:
    a fourth learner in B (who never learned and declared nothing)."""
    a, b, lesson = cohorts["a"], cohorts["b"], cohorts["lesson"]
    ethnic = ["white"] * 6 + ["asian", "black"] * 2
    people = [
        learner(
            django_user_model,
            f"p{n}@example.com",
            a,
            sex="female" if n % 2 else "male",
            ethnic_group=ethnic[n % len(ethnic)],
        )
        for n in range(40)
    ]
    newcomers = [
        learner(django_user_model, f"b{n}@example.com", b, sex="female", ethnic_group="white")
        for n in range(3)
    ]
    for user in people[:25] + newcomers[:2]:
        activate(user, lesson, EARLY)
    z = django_user_model.objects.create_user("z@example.com")  # in B only in the twin world

    rng = random.Random(3)
    for _ in range(1000):
        keys = {user: rng.randrange(256) for user in [*people, *newcomers]}
        pooled = sum(keys.values())
        same = disclosure.perturb(43, pooled)
        found = [k for k in range(256) if disclosure.perturb(44, pooled + k) == same]
        if found:
            keys[z] = found[0]
            break
    else:  # pragma: no cover - most key sets have a twin
        pytest.fail("no record keys with a twin world")
    set_keys(keys)

    by_sex = {"characteristic": "sex", "cohort": a.pk}
    by_ethnicity_pooled = {"characteristic": "ethnic_group"}
    world = {"sex": pages(analyst, by_sex), "ethnicity": pages(analyst, by_ethnicity_pooled)}
    # Both are served (nothing is refused any more) ...
    assert "Refused" not in world["sex"]["csv"] + world["ethnicity"]["csv"]
    # ... and the "Everyone" row is one figure whatever the characteristic:
    # switching characteristic to get round a check gains nothing.
    pooled_by_sex = pages(analyst, {"characteristic": "sex"})
    assert figure(pooled_by_sex, "Everyone", "Learners") == figure(
        world["ethnicity"], "Everyone", "Learners"
    )

    Membership.objects.create(cohort=b, user=z)  # the twin world: four newcomers
    twin = {"sex": pages(analyst, by_sex), "ethnicity": pages(analyst, by_ethnicity_pooled)}

    assert twin == world  # 43 or 44 learners pooled: the same pages and exports
