"""The reports' own table: per-learner facts, so that the cohort funnel, its
breakdowns and the equity tables are one grouped query at programme scale
(lms.reports.facts keeps them; lms.reports.cohort_metrics reads them)."""

from django.conf import settings
from django.db import models

from content.models import LocalArea, Sector, SeniorityLevel, Skill
from lms.cohorts.models import Cohort, Membership
from lms.equity.models import EquityProfile, RecordKey
from lms.learners.models import LearnerProfile


class LearnerDay(models.Model):
    """What one learner did on one day (the site's time zone, TIME_ZONE):
    lessons completed that day, their listed minutes (lms.progress.minutes)
    and learning events of any verb. Only days with a completion or an event
    have a row. Derived data, always equal to lms.reports.facts.recompute()
    from the learner's LessonProgress and LearningEvent rows; never edited
    by hand. `week` is the Monday of `day` (ISO weeks, for "engaged" and the
    weekly series)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_days"
    )
    day = models.DateField()
    week = models.DateField()
    completions = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_report_day_per_learner")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.user_id} on {self.day}"


class LearnerTotals(models.Model):
    """One learner's LearnerDay rows added up, for reports over all time
    (no date window): completions, minutes and distinct weeks with events.
    Kept with them by lms.reports.facts.recompute."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="report_totals",
    )
    completions = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    weeks = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.completions} lessons"


class SkillFact(models.Model):
    """One person and one skill, for the Skills gaps report (lms.reports
    .skills_gaps), which over all time is one grouped scan of this table with
    no join. Derived data, always equal to
    lms.reports.facts.recompute_skill_facts() (tests/test_skill_facts.py):

    - their self-ratings of the skill over their self-check sittings
      (lms.learners SelfCheck / SelfCheckRating): the rating in the earliest
      sitting that rated it and in the latest (by `taken_at`, then id), when
      those were taken, and how many sittings rated it (0, the ratings empty,
      for someone who completed lessons of the skill but never rated it);
    - `completed`: lessons they completed of courses tagged with the skill;
    - their profile's sector, local area and seniority now (empty without a
      profile), the groups the report breaks down by;
    - `record_key`: their record key (lms.equity RecordKey, drawn when the
      facts are computed), which the report sums for the cell key method.
      Secret like the key itself: never shown, exported or logged."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_facts"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    first_rating = models.PositiveSmallIntegerField(null=True)
    first_taken_at = models.DateTimeField(null=True)
    latest_rating = models.PositiveSmallIntegerField(null=True)
    latest_taken_at = models.DateTimeField(null=True)
    sittings = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    sector = models.ForeignKey(Sector, null=True, on_delete=models.SET_NULL, related_name="+")
    local_area = models.ForeignKey(
        LocalArea, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    seniority = models.ForeignKey(
        SeniorityLevel, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    record_key = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skill"], name="one_skill_fact_per_skill")
        ]

    def __str__(self):
        return f"{self.user_id} on skill {self.skill_id}"


def _by_user(model):
    """The row of `model` (one per user, keyed by its `user` column) of a
    member's user, joined on user_id directly (LEFT JOIN: not everyone has
    one)."""
    return models.ForeignObject(
        model,
        on_delete=models.DO_NOTHING,
        from_fields=["user"],
        to_fields=["user"],
        null=True,
        related_name="+",
    )


class Member(models.Model):
    """A cohort membership as the reports read it: the memberships' own table
    (no table of its own), with what a report groups a learner by (the
    learner profile, the equity profile) and the record key reached from the
    membership's user id directly, as `learner_profile__sector__name` is
    reached from a user. The learners in scope then come from the
    memberships and their joins on user_id alone, not through the users
    table: 17% of the funnel's statement at 100,000 learners
    (docs/performance.md)."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    learner_profile = _by_user(LearnerProfile)
    equity_profile = _by_user(EquityProfile)
    record_key = _by_user(RecordKey)

    class Meta:
        managed = False
        db_table = Membership._meta.db_table

    def __str__(self):
        return f"{self.user_id} in {self.cohort_id}"
