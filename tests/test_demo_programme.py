"""The synthetic demo programme (demo.programme) that `seed_demo` adds under
the dev settings: every staff report has figures, through the real report
functions; the same figures from two fresh runs; nothing added by a second
run; nobody emailed; and none of it under the production or test settings
unless asked for."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from content.models import Partner
from demo import programme
from demo.management.commands.seed_demo import DEMO_LEARNERS
from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Invitation, Membership, Programme
from lms.core.outbox import Status
from lms.equity.models import EquityProfile, RecordKey
from lms.learners.models import LearnerProfile, SelfCheck
from lms.nudges import dispatch, planner
from lms.nudges.models import Arm, HoldoutAssignment, Kind, Nudge
from lms.nudges.reports import weekly_summary
from lms.progress.models import CheckAnswer, Enrolment, LearningEvent, LessonProgress
from lms.reports import course_analytics, disclosure, skills_gaps
from lms.reports.cohort_metrics import DIMENSIONS, Scope, breakdown, funnel, learners_in
from lms.reports.equity_metrics import CHARACTERISTICS, equity_breakdown
from lms.reports.facts import recompute_skill_facts
from lms.reports.models import SkillFact
from lms.reports.nudge_comparison import comparison_rows
from tests.recomputation import recomputed

ROOT = Path(__file__).resolve().parent.parent
MODELS = (
    User, LearnerProfile, SelfCheck, EquityProfile, Programme, Cohort, Invitation, Membership,
    Enrolment, LessonProgress, CheckAnswer, LearningEvent, Certificate, Nudge,
    HoldoutAssignment,
)  # fmt: skip


@pytest.fixture
def seeded(library, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", synthetic=True)
    return tmp_path


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def figures():
    """What the reports compute (raw counts; record keys are not compared)."""
    scope = Scope()
    RecordKey.objects.ensure_for(learners_in(scope))
    return {
        "funnel": funnel(scope),
        "breakdowns": {d: breakdown(scope, d) for d in DIMENSIONS},
        "equity": {c: equity_breakdown(scope, c).rows for c in CHARACTERISTICS},
        "courses": course_analytics.course_figures(Partner.objects.all()),
        "nudges": weekly_summary(),
    }


def test_not_added_under_the_test_settings_unless_asked_for(library, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert not programme.enabled(settings)
    call_command("seed_demo")
    assert not Programme.objects.filter(name=programme.PROGRAMME).exists()
    assert not User.objects.filter(email__endswith=f"@{programme.DOMAIN}").exists()


@pytest.mark.parametrize(
    ("module", "expected"), [("lms.settings.production", "False"), ("lms.settings.dev", "True")]
)
def test_on_in_dev_settings_only(module, expected, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("FMA_DEMO")} | {
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "x",
        "FMA_VAR_DIR": str(tmp_path),
    }
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.FMA_DEMO_SYNTHETIC)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == expected


def test_every_report_has_figures_and_a_second_run_adds_nothing(seeded):
    scope = Scope()
    RecordKey.objects.ensure_for(learners_in(scope))
    shown = funnel(scope)
    stages = [shown.invited, shown.joined, shown.activated, shown.engaged, shown.completed]
    assert all(stages), stages
    assert shown.invited > shown.joined > shown.activated > shown.engaged > shown.completed
    assert 500 <= shown.joined <= 1000
    assert sum(n for _, n in shown.per_week) > 0
    for dimension in DIMENSIONS:  # every breakdown has groups big enough for rates
        groups = breakdown(scope, dimension)
        assert sum(1 for g in groups if g.learners >= 23) >= 3, dimension

    # The equity dashboard: rates and gaps shown for some characteristic, and
    # hidden cells (each with its reason) too.
    tables = {c: disclosure.disclose_equity(equity_breakdown(scope, c)) for c in CHARACTERISTICS}
    with_rates = [
        c
        for c, table in tables.items()
        if sum(
            row.cells["completed_rate"].shown and row.cells["completed_gap"].shown
            for row in table.groups
        )
        >= 2
    ]
    assert len(with_rates) >= 3, with_rates
    hidden = [cell for t in tables.values() for row in t.rows for cell in row.cells.values()]
    assert any(cell.hidden and cell.reason for cell in hidden)
    assert sum(cell.shown for cell in hidden) > sum(cell.hidden for cell in hidden)
    ages = tables["age_band"]  # the dashboard's default characteristic
    assert any(row.cells["activated_rate"].shown for row in ages.groups)
    assert any(row.cells["learners"].hidden for row in ages.groups)

    shown_courses = [
        t
        for t in course_analytics.display(course_analytics.course_figures(Partner.objects.all()))
        if t.course.completion_rate.text.endswith("%")
    ]
    assert len(shown_courses) >= 6
    assert any(c.answered.text.isdigit() for t in shown_courses for c in t.checks)
    assert (
        Certificate.objects.count() == Enrolment.objects.filter(completed_at__isnull=False).count()
    )

    weeks = weekly_summary()
    assert sum(w.sent for w in weeks) > 1000
    assert sum(w.clicked for w in weeks) > 0 and sum(w.skipped for w in weeks) > 0
    assert sum(w.followed for w in weeks) > 0

    # "Nudges: do they help?": both arms large enough to show, with intervals.
    rows = comparison_rows()
    assert [row.kind for row in rows] == list(Kind.values)
    for row in rows:
        assert row.nudged_n.text.isdigit() and row.held_out_n.text.isdigit(), row
        assert " to " in row.active_difference.text, row
    assert any(" pp (" in row.learned_difference.text for row in rows)
    assert not Nudge.objects.filter(
        user__holdout_assignments__kind=Kind.NEXT_LESSON,
        user__holdout_assignments__arm=Arm.HELD_OUT,
        kind=Kind.NEXT_LESSON,
        due_at__lt=F("user__holdout_assignments__ends_at"),
    ).exists()

    before = counts()
    call_command("seed_demo", synthetic=True)
    assert counts() == before
    assert Programme.objects.filter(name=programme.PROGRAMME).count() == 1


def skill_facts():
    return sorted(SkillFact.objects.values_list(*(f.attname for f in SkillFact._meta.fields[1:])))


def test_the_skills_gaps_map_is_populated_from_facts_equal_to_a_recomputation(seeded):
    """The demo writes ratings and progress in bulk (no signals): it keeps
    the skill facts itself, so the heat map has figures after `make run`."""
    report = skills_gaps.gap_report(None)  # draws the record keys, which the facts take
    cells = [c for row in report.map.rows for c in row.cells.values()]
    assert sum(c["average_latest"].shown for c in cells) >= 10
    assert any(c["change"].shown for c in cells) and any(c["completed"].shown for c in cells)
    assert report.sentences
    kept = skill_facts()
    assert kept and all(row[-1] is not None for row in kept)
    assert recomputed(recompute_skill_facts, skill_facts) == kept


def test_synthetic_learners_cannot_sign_in_and_are_never_emailed(seeded):
    synthetic = User.objects.filter(email__endswith=f"@{programme.DOMAIN}")
    assert synthetic.count() > 500
    assert not any(user.has_usable_password() for user in synthetic)
    assert (
        synthetic.filter(learner_profile__isnull=False)
        .exclude(nudge_preference__cadence="off")
        .count()
        == 0
    )
    planned = Nudge.objects.filter(status=Status.PLANNED).count()
    for hour in range(0, 24 * 7, 5):  # the planner, over a week
        planner.plan(now=timezone.now() + timezone.timedelta(hours=hour))
    assert not Nudge.objects.filter(status=Status.PLANNED, user__in=synthetic).exists()
    assert Nudge.objects.filter(status=Status.PLANNED).count() >= planned
    assert not Invitation.objects.filter(
        email__endswith=f"@{programme.DOMAIN}", status=Status.PLANNED
    ).exists()
    # What the week's planning made due already (a demo learner's slot earlier
    # today, depending on when the test runs) goes out first, to them only.
    dispatch.dispatch()
    assert not [m for m in mail.outbox if m.to[0].endswith(f"@{programme.DOMAIN}")]
    mail.outbox.clear()
    call_command("send_nudges_now")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(row[0] for row in DEMO_LEARNERS)
    admin_note = Programme.objects.get(name=programme.PROGRAMME).description
    assert "Synthetic" in admin_note and programme.PROGRAMME.endswith("(synthetic demo)")


def test_two_fresh_runs_give_the_same_figures(library, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    today = date(2026, 11, 18)
    assert programme.ensure_programme(today=today)
    first = figures()
    emails = sorted(
        User.objects.filter(email__endswith=f"@{programme.DOMAIN}").values_list("email", flat=True)
    )
    programme.remove_programme()
    synthetic = User.objects.filter(email__endswith=f"@{programme.DOMAIN}")
    assert not synthetic.exists()
    assert not LearningEvent.objects.filter(user__isnull=True).exists()
    assert programme.ensure_programme(today=today)
    assert figures() == first
    assert sorted(synthetic.values_list("email", flat=True)) == emails
