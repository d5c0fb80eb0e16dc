"""The holdout: drawn once per learner and kind when they first choose to
receive nudges, about NUDGE_HOLDOUT_PERCENT held out, no nudges of that kind
for the held out, leaving with one click, and the comparison of the arms
(lms.reports.nudge_comparison) against a hand computation."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from lms.nudges import holdout, planner, services
from lms.nudges.models import Arm, Cadence, HoldoutAssignment, Kind, Nudge
from lms.progress.models import LearningEvent, Verb
from lms.reports.nudge_comparison import compare, comparison_rows
from tests.nudge_fixtures import TUESDAY_8AM

pytestmark = pytest.mark.django_db
FRIDAY_8AM = TUESDAY_8AM + timedelta(days=3)


def arms_of(user) -> dict[str, str]:
    return dict(HoldoutAssignment.objects.filter(user=user).values_list("kind", "arm"))


def hold_out(user, *kinds, at=TUESDAY_8AM - timedelta(days=30), days=90):
    """Draws made by hand: held out of `kinds`, nudged for the rest."""
    for kind in Kind.values:
        HoldoutAssignment.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={
                "arm": Arm.HELD_OUT if kind in kinds else Arm.NUDGED,
                "assigned_at": at,
                "ends_at": at + timedelta(days=days),
            },
        )


# Drawing


def test_choosing_to_receive_nudges_draws_every_kind_once_and_never_again(django_user_model):
    user = django_user_model.objects.create_user("new@example.com")
    services.choose_cadence(user, Cadence.WEEKLY)
    first = arms_of(user)
    assert set(first) == set(Kind.values) and set(first.values()) <= set(Arm.values)
    drawn_at = set(
        HoldoutAssignment.objects.filter(user=user).values_list("assigned_at", flat=True)
    )
    for _ in range(20):
        services.choose_cadence(user, Cadence.TWICE_WEEKLY)
        assert holdout.assign([user.pk]) == 0
    assert arms_of(user) == first
    assert HoldoutAssignment.objects.filter(user=user).count() == 3
    assert set(HoldoutAssignment.objects.values_list("assigned_at", flat=True)) == drawn_at


def test_choosing_no_emails_draws_nothing(django_user_model):
    user = django_user_model.objects.create_user("off@example.com")
    services.choose_cadence(user, Cadence.OFF)
    assert not HoldoutAssignment.objects.filter(user=user).exists()


def test_saving_the_settings_page_with_a_cadence_draws(django_user_model):
    user = django_user_model.objects.create_user("page@example.com")
    client = Client()
    client.force_login(user)
    client.post("/nudges/settings/", {"cadence": "off", "hour": "8"})
    assert not HoldoutAssignment.objects.filter(user=user).exists()
    client.post(
        "/nudges/settings/",
        {"cadence": "weekly", "days": ["1"], "hour": "8", "kinds": ["next_lesson"]},
    )
    assert len(arms_of(user)) == 3


def test_the_holdout_period_is_the_setting(django_user_model, settings):
    settings.NUDGE_HOLDOUT_DAYS = 30
    user = django_user_model.objects.create_user("days@example.com")
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    holdout.assign([user.pk], now=now)
    assert {a.ends_at for a in HoldoutAssignment.objects.filter(user=user)} == {
        now + timedelta(days=30)
    }


def test_about_ten_percent_of_ten_thousand_learners_are_held_out(settings):
    settings.NUDGE_HOLDOUT_PERCENT = 10
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"l{index}@bulk.example", password="!") for index in range(10_000)
    )
    ids = [user.pk for user in users]
    assert holdout.assign(ids) == 30_000
    # Binomial(10 000, 0.1): mean 1 000, standard deviation 30. Four standard
    # deviations either side fails a fair draw about once in 16 000 runs.
    for kind in Kind.values:
        held = HoldoutAssignment.objects.filter(kind=kind, arm=Arm.HELD_OUT).count()
        assert 880 <= held <= 1120, (kind, held)
    before = dict(
        HoldoutAssignment.objects.filter(kind=Kind.NEXT_LESSON).values_list("user_id", "arm")
    )
    assert holdout.assign(ids) == 0  # stable: a second run draws nothing
    after = dict(
        HoldoutAssignment.objects.filter(kind=Kind.NEXT_LESSON).values_list("user_id", "arm")
    )
    assert after == before


@pytest.mark.parametrize(("percent", "held"), [(0, 0), (100, 300)])
def test_zero_holds_nobody_back_and_a_hundred_everybody(django_user_model, settings, percent, held):
    settings.NUDGE_HOLDOUT_PERCENT = percent
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"p{index}@bulk.example", password="!") for index in range(100)
    )
    holdout.assign([user.pk for user in users])
    assert HoldoutAssignment.objects.filter(arm=Arm.HELD_OUT).count() == held


# The planner


def test_a_held_out_learner_gets_no_nudge_of_that_kind(learner_factory):
    ada = learner_factory("ada@example.com")
    bo = learner_factory("bo@example.com")
    hold_out(ada, Kind.NEXT_LESSON)
    hold_out(bo)
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert list(Nudge.objects.values_list("user_id", flat=True)) == [bo.pk]
    assert planner.plan_now([ada.pk, bo.pk]) == 1


def test_held_out_of_new_in_sector_still_gets_the_next_lesson(learner_factory):
    from courses.models import LessonPage

    ada = learner_factory("ada@example.com")
    hold_out(ada, Kind.NEW_IN_SECTOR)
    LessonPage.objects.filter(pk=LessonPage.objects.live().first().pk).update(
        first_published_at=TUESDAY_8AM - timedelta(days=1)
    )
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert list(Nudge.objects.values_list("kind", flat=True)) == [Kind.NEXT_LESSON]


def test_held_out_of_streak_at_risk_gets_no_streak_nudge(learner_factory):
    from tests.nudge_fixtures import complete_at, lessons_of

    ada = learner_factory("ada@example.com", want_next_lesson=False, want_new_in_sector=False)
    bo = learner_factory("bo@example.com", want_next_lesson=False, want_new_in_sector=False)
    hold_out(ada, Kind.STREAK_AT_RISK)
    lessons = lessons_of("ai-for-the-board")
    for user in (ada, bo):
        complete_at(user, lessons[0], FRIDAY_8AM - timedelta(weeks=1))
        complete_at(user, lessons[1], FRIDAY_8AM - timedelta(weeks=2))
    planner.plan(FRIDAY_8AM + timedelta(minutes=1))
    assert list(Nudge.objects.values_list("user_id", "kind")) == [(bo.pk, Kind.STREAK_AT_RISK)]


def test_the_holdout_ends_after_its_period(learner_factory):
    ada = learner_factory("ada@example.com")
    hold_out(ada, *Kind.values, at=TUESDAY_8AM - timedelta(days=91))
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert Nudge.objects.filter(user=ada).count() == 1


# Leaving


@pytest.fixture
def held_out_client(learner_factory):
    ada = learner_factory("ada@example.com")
    hold_out(ada, Kind.NEXT_LESSON, Kind.STREAK_AT_RISK, at=TUESDAY_8AM - timedelta(days=30))
    client = Client()
    client.force_login(ada)
    client.user = ada
    return client


def test_the_settings_page_says_plainly_that_a_share_is_held_back(learner_factory, settings):
    settings.NUDGE_HOLDOUT_PERCENT, settings.NUDGE_HOLDOUT_DAYS = 10, 90
    client = Client()
    client.force_login(learner_factory("cy@example.com"))
    page = client.get("/nudges/settings/").content.decode()
    assert "we hold a small random share of learners (10 in 100) back" in page
    assert "for 90 days" in page and "You are not held back" in page


def test_a_held_out_learner_sees_it_and_leaves_with_one_click(held_out_client):
    page = held_out_client.get("/nudges/settings/").content.decode()
    assert "You are in the held-back group for:" in page
    assert "Your next five minutes, until" in page and "Streak at risk, until" in page
    assert held_out_client.get("/nudges/holdout/leave/").status_code == 405
    response = held_out_client.post("/nudges/holdout/leave/")
    assert response.status_code == 302 and response["Location"].endswith("#holdout")
    mine = HoldoutAssignment.objects.filter(user=held_out_client.user)
    assert {a.kind: a.arm for a in mine} == {
        Kind.NEXT_LESSON: Arm.HELD_OUT,  # analysed by assignment: the arm never changes
        Kind.STREAK_AT_RISK: Arm.HELD_OUT,
        Kind.NEW_IN_SECTOR: Arm.NUDGED,
    }
    assert {a.kind for a in mine if a.left_at} == {Kind.NEXT_LESSON, Kind.STREAK_AT_RISK}
    assert "You are not held back" in held_out_client.get("/nudges/settings/").content.decode()
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert Nudge.objects.filter(user=held_out_client.user, kind=Kind.NEXT_LESSON).exists()


def test_leaving_needs_a_sign_in():
    assert Client().post("/nudges/holdout/leave/").status_code == 302


# The comparison, on a hand-built dataset

# Everyone is drawn on Tuesday 10 November 2026 at 12:00 UTC and nudged (or
# not) on Tuesdays at 08:00 in London (GMT: 08:00 UTC). The report runs on
# Tuesday 24 November at 12:00 for the last 4 weeks, so each learner is
# observed for exactly two weeks, and has one slot whose 48 hours are over:
# 17 November 08:00 (to 19 November 08:00). The 24 November slot's 48 hours
# are not over yet; 10 November 08:00 was before the draw.
DRAWN = datetime(2026, 11, 10, 12, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def on(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# learner: (arm, left the holdout, moments they learned)
DATASET = {
    # nudged: learned within 48 h: a, c, d (3 of 4)
    "a": (Arm.NUDGED, False, [on(12, 10), on(18, 10)]),  # 2 active days
    "b": (Arm.NUDGED, False, [on(20, 9)]),  # 1 day; after the 48 hours
    "c": (Arm.NUDGED, False, [on(17, 9), on(17, 15), on(21, 10)]),  # 2 days
    "d": (Arm.NUDGED, False, [on(18, 23)]),  # 1 day
    # held out: learned within 48 h: e, h (2 of 4); h left the holdout
    "e": (Arm.HELD_OUT, False, [on(19, 7, 59)]),  # 1 day, a minute inside
    "f": (Arm.HELD_OUT, False, [on(11, 9), on(13, 9)]),  # 2 days, before the slot
    "g": (Arm.HELD_OUT, False, []),  # 0 days
    "h": (Arm.HELD_OUT, True, [on(18, 10)]),  # 1 day
}


@pytest.fixture
def hand_built(learner_factory, settings):
    settings.EQUITY_MIN_COUNT = 3
    settings.NUDGE_STREAK_WEEKDAY = 4
    for name, (arm, left, moments) in DATASET.items():
        user = learner_factory(f"{name}@example.com")
        HoldoutAssignment.objects.create(
            user=user,
            kind=Kind.NEXT_LESSON,
            arm=arm,
            assigned_at=DRAWN,
            ends_at=DRAWN + timedelta(days=90),
            left_at=DRAWN + timedelta(days=1) if left else None,
        )
        LearningEvent.objects.bulk_create(
            LearningEvent(user=user, verb=Verb.STARTED, occurred_at=moment) for moment in moments
        )
    # Learning outside anyone's observed time changes nothing.
    LearningEvent.objects.create(user=None, verb=Verb.STARTED, occurred_at=on(18, 10))


def test_the_comparison_equals_the_hand_computation(hand_built):
    next_lesson, streak, new_in_sector = compare(weeks=4, now=NOW)
    assert next_lesson.kind == Kind.NEXT_LESSON
    nudged, held = next_lesson.nudged, next_lesson.held_out
    assert (nudged.n, nudged.learned, held.n, held.learned, held.left) == (4, 3, 4, 2, 1)
    # Active days over two weeks: a 2, b 1, c 2, d 1 -> 1, 0.5, 1, 0.5 a week;
    # e 1, f 2, g 0, h 1 -> 0.5, 1, 0, 0.5.
    assert nudged.active_days_per_week == [1.0, 0.5, 1.0, 0.5]
    assert sorted(held.active_days_per_week) == [0.0, 0.5, 0.5, 1.0]
    # Newcombe (method 10) for 3/4 − 2/4, z = 1.959964:
    # Wilson 3/4: centre (0.75 + z²/8) / (1 + z²/4) = 1.230182 / 1.960365 = 0.627527,
    #   half-width z·sqrt(0.75·0.25/4 + z²/64) / 1.960365 = 0.326885 -> (0.300642, 0.954412)
    # Wilson 2/4: centre 0.5, half-width z·sqrt(0.0625 + z²/64) / 1.960365 = 0.349961
    #   -> (0.150039, 0.849961)
    # lower = 0.25 − sqrt((0.75 − 0.300642)² + (0.849961 − 0.5)²) = 0.25 − 0.569558
    # upper = 0.25 + sqrt((0.954412 − 0.75)² + (0.5 − 0.150039)²) = 0.25 + 0.405286
    difference = next_lesson.learned_difference
    assert difference.estimate == pytest.approx(0.25)
    assert difference.lower == pytest.approx(-0.319558, abs=1e-5)
    assert difference.upper == pytest.approx(0.655286, abs=1e-5)
    # Welch: means 0.75 and 0.5, variances 0.25/3 and 0.5/3, so the standard
    # error is sqrt(0.25/12 + 0.5/12) = 0.25 and the degrees of freedom
    # 0.0625² / ((0.25/12)²/3 + (0.5/12)²/3) = 5.4; t(0.975, 5.4) = 2.514352
    # (numerical integration of Student's t density), half-width 0.628588.
    active = next_lesson.active_difference
    assert active.estimate == pytest.approx(0.25)
    assert active.lower == pytest.approx(0.25 - 0.628588, abs=1e-5)
    assert active.upper == pytest.approx(0.25 + 0.628588, abs=1e-5)
    # Nobody was drawn for the other kinds in this dataset.
    assert (streak.nudged.n, streak.held_out.n, new_in_sector.nudged.n) == (0, 0, 0)


def test_the_rows_as_shown(hand_built, settings):
    settings.EQUITY_MIN_COUNT = 2
    (row,) = comparison_rows(weeks=4, kind=Kind.NEXT_LESSON, now=NOW)
    assert [str(getattr(row, name)) for name in (
        "nudged_n", "held_out_n", "held_out_left", "nudged_learned", "held_out_learned",
        "learned_difference", "nudged_active", "held_out_active", "active_difference",
    )] == [
        "4", "4", "<2", "75%", "50%", "+25 pp (-32 to +66)",
        "0.75", "0.50", "+0.25 (-0.38 to +0.88)",
    ]  # fmt: skip


def test_a_small_arm_shows_no_figures_and_no_difference(hand_built, settings):
    settings.EQUITY_MIN_COUNT = 5
    (row,) = comparison_rows(weeks=4, kind=Kind.NEXT_LESSON, now=NOW)
    assert (str(row.nudged_n), str(row.held_out_n)) == ("<5", "<5")
    assert row.nudged_learned.text == "–" and row.learned_difference.text == "–"
    assert row.active_difference.reason == "an arm is too small to compare"


def test_staff_see_the_comparison_and_its_csv_learners_do_not(hand_built, admin_client, settings):
    settings.EQUITY_MIN_COUNT = 2
    shown = "+25 pp (-32 to +66)"
    with time_machine.travel(NOW, tick=False):
        response = admin_client.get("/admin/reports/nudges/do-they-help/?weeks=4")
        fragment = admin_client.get("/admin/reports/nudges/do-they-help/results/?weeks=4")
        csv = admin_client.get("/admin/reports/nudges/do-they-help/?weeks=4&export=csv")
        body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nudges: do they help?" in html and shown in html
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "Everyone is counted in the group they were drawn into" in html
    assert "Nudged − held out (95% CI)" in body and shown in body
    assert "Learned within 48 hours of a slot" in body
    assert "do-they-help" in admin_client.get("/admin/reports/nudges/").content.decode()
    learner = Client()
    learner.force_login(HoldoutAssignment.objects.first().user)
    assert learner.get("/admin/reports/nudges/do-they-help/").status_code in (302, 403)


def test_the_intervals_match_published_examples():
    from lms.nudges import stats

    # Newcombe (1998), table II, example (a): 56/70 − 48/80, method 10.
    interval = stats.newcombe_difference(56, 70, 48, 80)
    assert (interval.lower, interval.upper) == (
        pytest.approx(0.0524, abs=1e-4),
        pytest.approx(0.3339, abs=1e-4),
    )
    # Student's t, 97.5th percentile, from printed tables.
    for df, t in [(1, 12.706), (5, 2.571), (10, 2.228), (30, 2.042)]:
        assert stats.t_quantile(0.975, df) == pytest.approx(t, abs=1e-3)
    assert stats.welch_difference([1.0], [2.0, 3.0]) is None


def test_a_difference_of_zero_is_shown_without_a_sign():
    from lms.reports.nudge_comparison import _points, _signed_days

    assert (_points(0.001), _points(-0.004), _points(0.25)) == ("0", "0", "+25")
    assert (_signed_days(-0.001), _signed_days(0.5)) == ("0.00", "+0.50")
