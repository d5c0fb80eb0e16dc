"""Per-learner facts for the programme reports (lms.reports.models.LearnerDay):
one row per learner and day with lessons completed, their listed minutes and
learning events. The cohort funnel, its breakdowns and the equity tables read
them in one grouped query (lms.reports.cohort_metrics) instead of working out
every learner's figures from the event log each time.

One definition, two uses: `recompute(users)` deletes the facts of those
learners (or of everyone) and inserts them again from LessonProgress and
LearningEvent in set-based SQL (INSERT ... SELECT ... GROUP BY); the receivers
below call it for one learner inside the transaction that changed their
progress, and `manage.py recompute_report_facts` (and migration 0002) call it
for everyone. So the facts are always exactly a full recomputation
(tests/test_report_facts.py checks it after a realistic sequence of actions).

What keeps them current, in the writer's transaction:
- a LearningEvent saved (lms.progress.services.record_event: every start,
  answer, completion and enrolment) → that learner;
- a LessonProgress saved or deleted (starting, completing, erasing) → that
  learner (not when the deletion comes from deleting the account: the facts
  go with it);
- a lesson published → every learner who completed it (its listed minutes may
  have changed).
Writes that bypass model signals (bulk_create, QuerySet.update, raw SQL: the
demo programme and seed_demo, data repairs) call `recompute` for the learners
they touched, or run the command. Changing TIME_ZONE moves day boundaries:
run the command.

Self-ratings (lms.reports.models.SkillRatingFact, for the Skills gaps
report): `recompute_skill_ratings(users)` the same way, one row per person
and skill from their SelfCheck / SelfCheckRating rows (a window over their
ratings, INSERT ... SELECT). Kept current in the writer's transaction by
`self_check_saved` (lms.learners: a sitting saved with its ratings, which are
bulk-created), a SelfCheckRating saved or deleted (ratings edited) and a
SelfCheck deleted (erasure) → that person: three statements on PostgreSQL
(lock, delete, insert), two on SQLite. Deleting the account cascades.

Pathway completion is not a fact here: it depends on which lessons count in a
pathway now (publishing, unpublishing, editing a pathway), so the reports
work it out at query time from LessonProgress, set-based, with the pathways'
lessons as literals."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from courses.models import LessonPage
from lms.learners.models import SelfCheck, SelfCheckRating
from lms.learners.signals import self_check_saved
from lms.progress.minutes import minutes_sum
from lms.progress.models import LearningEvent, LessonProgress

from .models import LearnerDay, LearnerTotals, SkillRatingFact


def week_of(column: str) -> str:
    """SQL for the Monday of the date in `column` (PostgreSQL or SQLite)."""
    if connection.vendor == "postgresql":
        return f"({column} - (EXTRACT(ISODOW FROM {column})::int - 1))"
    weekday = f"((CAST(strftime('%%w', {column}) AS INTEGER) + 6) %% 7)"  # Monday 0
    return f"date({column}, '-' || {weekday} || ' days')"


def _sources(users, models):
    """The learners' per-day figures as one SQL statement and its params:
    (user_id, day, week, completions, minutes, events) from their progress
    and events, grouped by learner and local day."""
    progress_model, event_model = models
    tz = ZoneInfo(settings.TIME_ZONE)
    progress = progress_model.objects.filter(completed_at__isnull=False)
    events = event_model.objects.filter(user_id__isnull=False)
    if users is not None:
        progress = progress.filter(user_id__in=users)
        events = events.filter(user_id__in=users)
    zero = Value(0, output_field=IntegerField())
    progress = (
        progress.order_by()
        .annotate(d=TruncDate("completed_at", tzinfo=tz))
        .values("user_id", "d")
        .annotate(c=Count("pk"), m=minutes_sum(), e=zero)
    )
    events = (
        events.order_by()
        .annotate(d=TruncDate("occurred_at", tzinfo=tz))
        .values("user_id", "d")
        .annotate(c=zero, m=zero, e=Count("pk"))
    )
    p_sql, p_params = progress.query.sql_with_params()
    e_sql, e_params = events.query.sql_with_params()
    sql = (
        f"SELECT u.user_id, u.d, {week_of('u.d')}, SUM(u.c), SUM(u.m), SUM(u.e) "
        f"FROM ({p_sql} UNION ALL {e_sql}) u GROUP BY u.user_id, u.d"
    )
    return sql, [*p_params, *e_params]


DEFAULT_MODELS = (LessonProgress, LearningEvent, LearnerDay, LearnerTotals)


def recompute(users=None, *, models=DEFAULT_MODELS) -> None:
    """Replaces the facts of `users` (user ids, or a queryset of them; None:
    everyone) with their recomputation: their LearnerDay rows from the
    progress tables, then their LearnerTotals from those. Four statements
    (five for chosen learners on PostgreSQL, which first locks their user
    rows so that two transactions on one learner take turns). Run it inside
    the transaction that changed their progress. `models`: (LessonProgress,
    LearningEvent, LearnerDay, LearnerTotals), historical ones in a data
    migration."""
    # One transaction (the caller's, if there is one: no savepoint), so that
    # the lock holds and no reader sees a learner's facts half replaced.
    with transaction.atomic(savepoint=False):
        _recompute(users, models)


def _chosen(users):
    """`users` as a sorted list if it is a collection (None when empty: nothing
    to do), else as given (a queryset)."""
    if isinstance(users, list | tuple | set | frozenset):
        return sorted(users) or None
    return users


def _lock(users) -> None:
    """On PostgreSQL, locks the users' rows in id order, so that two
    transactions recomputing one learner's facts take turns."""
    if connection.vendor == "postgresql":
        list(
            get_user_model()
            .objects.select_for_update()
            .filter(pk__in=users)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _recompute(users, models) -> None:
    day_model, totals_model = models[2], models[3]
    table = connection.ops.quote_name(day_model._meta.db_table)
    totals_table = connection.ops.quote_name(totals_model._meta.db_table)
    facts = day_model.objects.all()
    totals = totals_model.objects.all()
    if users is not None:
        users = _chosen(users)
        if users is None:
            return
        _lock(users)
        facts = facts.filter(user_id__in=users)
        totals = totals.filter(user_id__in=users)
    facts.delete()
    totals.delete()
    select, params = _sources(users, models[:2])
    added = (
        facts.order_by()
        .values("user_id")
        .annotate(
            c=Sum("completions"),
            m=Sum("minutes"),
            w=Count(Case(When(events__gt=0, then=F("week"))), distinct=True),
        )
        .values_list("user_id", "c", "m", "w")
    )
    added_sql, added_params = added.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, day, week, completions, minutes, events) {select}",
            params,
        )
        cursor.execute(
            f"INSERT INTO {totals_table} (user_id, completions, minutes, weeks) {added_sql}",
            added_params,
        )


SKILL_MODELS = (SelfCheck, SelfCheckRating, SkillRatingFact)


def recompute_skill_ratings(users=None, *, models=SKILL_MODELS) -> None:
    """Replaces the SkillRatingFact rows of `users` (user ids, or a queryset
    of them; None: everyone) with their recomputation from their self-check
    sittings: one row per person and skill with the rating of their earliest
    and latest sitting rating it (by taken_at, then id) and the number of
    sittings rating it. Two statements (three for chosen people on
    PostgreSQL: their user rows are locked first). `models`: (SelfCheck,
    SelfCheckRating, SkillRatingFact), historical ones in a data migration."""
    sitting_model, rating_model, fact_model = models
    with transaction.atomic(savepoint=False):
        facts = fact_model.objects.all()
        where, params = "", []
        if users is not None:
            users = _chosen(users)
            if users is None:
                return
            _lock(users)
            facts = facts.filter(user_id__in=users)
            ids_sql, ids_params = (
                get_user_model().objects.filter(pk__in=users).values("pk").query.sql_with_params()
            )
            where, params = f"WHERE sc.user_id IN ({ids_sql})", list(ids_params)
        facts.delete()
        quote = connection.ops.quote_name
        sql = f"""
            INSERT INTO {quote(fact_model._meta.db_table)} (user_id, skill_id, first_rating,
                first_taken_at, latest_rating, latest_taken_at, sittings)
            SELECT uid, skill,
                MAX(CASE WHEN n = 1 THEN rating END), MAX(CASE WHEN n = 1 THEN taken END),
                MAX(CASE WHEN n = sittings THEN rating END),
                MAX(CASE WHEN n = sittings THEN taken END),
                MAX(sittings)
            FROM (
                SELECT sc.user_id AS uid, r.skill_id AS skill, r.rating AS rating,
                    sc.taken_at AS taken,
                    ROW_NUMBER() OVER (
                        PARTITION BY sc.user_id, r.skill_id ORDER BY sc.taken_at, sc.id
                    ) AS n,
                    COUNT(*) OVER (PARTITION BY sc.user_id, r.skill_id) AS sittings
                FROM {quote(rating_model._meta.db_table)} r
                JOIN {quote(sitting_model._meta.db_table)} sc ON sc.id = r.self_check_id
                {where}
            ) ordered
            GROUP BY uid, skill
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# -- keeping them current ---------------------------------------------------------


@receiver(post_save, sender=LearningEvent, dispatch_uid="report_facts_event")
def event_saved(sender, instance, **kwargs):
    if instance.user_id is not None:
        recompute([instance.user_id])


@receiver(post_save, sender=LessonProgress, dispatch_uid="report_facts_progress_saved")
def progress_saved(sender, instance, **kwargs):
    recompute([instance.user_id])


@receiver(post_delete, sender=LessonProgress, dispatch_uid="report_facts_progress_deleted")
def progress_deleted(sender, instance, origin=None, **kwargs):
    if _from_account(origin):
        return  # the account is being deleted, and its facts with it
    recompute([instance.user_id])


@receiver(page_published, sender=LessonPage, dispatch_uid="report_facts_lesson_published")
def lesson_published(sender, instance, **kwargs):
    recompute(
        LessonProgress.objects.filter(lesson_id=instance.pk, completed_at__isnull=False)
        .order_by()
        .values("user_id")
    )


def _from_account(origin) -> bool:
    """Whether a deletion comes from deleting an account (its facts cascade)."""
    account = get_user_model()
    return isinstance(origin, account) or getattr(origin, "model", None) is account


@receiver(self_check_saved, dispatch_uid="report_facts_self_check_saved")
def self_check_taken(sender, user, **kwargs):
    recompute_skill_ratings([user.pk])


@receiver(post_save, sender=SelfCheckRating, dispatch_uid="report_facts_rating_saved")
def rating_saved(sender, instance, **kwargs):
    recompute_skill_ratings(
        SelfCheck.objects.filter(pk=instance.self_check_id).order_by().values("user_id")
    )


@receiver(post_delete, sender=SelfCheckRating, dispatch_uid="report_facts_rating_deleted")
def rating_deleted(sender, instance, origin=None, **kwargs):
    if _from_account(origin) or isinstance(origin, SelfCheck):
        return  # the account's facts cascade; a sitting's deletion recomputes
    if getattr(origin, "model", None) is SelfCheck:
        return  # sittings deleted as a queryset (erasure): likewise
    rating_saved(sender, instance)


@receiver(post_delete, sender=SelfCheck, dispatch_uid="report_facts_self_check_deleted")
def self_check_deleted(sender, instance, origin=None, **kwargs):
    if not _from_account(origin):
        recompute_skill_ratings([instance.user_id])
