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

Skills (lms.reports.models.SkillFact, for the Skills gaps report):
`recompute_skill_facts(users)` the same way, one row per person and skill
from their SelfCheck / SelfCheckRating rows (a window over their ratings),
their completed LessonProgress joined to the courses' skills, their
LearnerProfile's groups and their RecordKey (one INSERT ... SELECT). Kept
current in the writer's transaction, for that person, by `self_check_saved`
(lms.learners: a sitting saved with its ratings, which are bulk-created), a
SelfCheckRating saved or deleted (ratings edited), a SelfCheck deleted
(erasure), a LessonProgress saved or deleted (not a new one with nothing
completed: a start), a LearnerProfile saved or deleted; for everyone who
completed its lessons by a course's skills changed (`m2m_changed`, which
Wagtail's publishing sends only for what changed); and by
`record_keys_drawn` (lms.equity: keys drawn for people, one UPDATE). Three
statements on PostgreSQL (lock, delete, insert), two on SQLite. Deleting the
account, a skill or a taxonomy term cascades or empties the column, as it
does on the profile.

Pathway completion is not a fact here: it depends on which lessons count in a
pathway now (publishing, unpublishing, editing a pathway), so the reports
work it out at query time from LessonProgress, set-based, with the pathways'
lessons as literals."""

from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import TruncDate
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from courses.models import CoursePage, LessonPage
from lms.equity.models import RecordKey
from lms.equity.signals import record_keys_drawn
from lms.learners.models import LearnerProfile, SelfCheck, SelfCheckRating
from lms.learners.signals import self_check_saved
from lms.progress.minutes import minutes_sum
from lms.progress.models import LearningEvent, LessonProgress

from .models import LearnerDay, LearnerTotals, SkillFact


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


def recompute_skill_facts(users=None, *, apps=global_apps) -> None:
    """Replaces the SkillFact rows of `users` (user ids, or a queryset of
    them; None: everyone) with their recomputation: one row per person and
    skill they rated or completed lessons of, with the rating of their
    earliest and latest sitting rating it (by taken_at, then id), the number
    of sittings rating it, the lessons completed of courses tagged with it,
    their profile's groups and their record key (0 without one: the reports
    draw keys before they read, and `keys_drawn` below copies them in). Two
    statements (three for chosen people on PostgreSQL: their user rows are
    locked first). `apps`: the historical models' registry in a data
    migration."""
    fact_model = apps.get_model("reports", "SkillFact")
    with transaction.atomic(savepoint=False):
        facts = fact_model.objects.all()
        ids_sql, params = "", []
        if users is not None:
            users = _chosen(users)
            if users is None:
                return
            _lock(users)
            facts = facts.filter(user_id__in=users)
            chosen = get_user_model().objects.filter(pk__in=users).values("pk")
            ids_sql, params = chosen.query.sql_with_params()
        facts.delete()
        with connection.cursor() as cursor:
            cursor.execute(_skill_facts_sql(apps.get_model, ids_sql), [*params, *params])


def first_and_latest_sql(conditions=(), *, model=global_apps.get_model) -> str:
    """SQL for each person's ratings of each skill over their sittings that
    meet `conditions` (SQL over `sc`, the SelfCheck; none: every sitting):
    (uid, skill, first_rating, first_taken, latest, latest_taken, sittings),
    first and latest by taken_at, then id. The one definition, for the facts
    and for the Skills gaps report over a period."""
    quote = connection.ops.quote_name
    ratings = quote(model("learners", "SelfCheckRating")._meta.db_table)
    sittings = quote(model("learners", "SelfCheck")._meta.db_table)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"""
        SELECT uid, skill,
            MAX(CASE WHEN n = 1 THEN rating END) AS first_rating,
            MAX(CASE WHEN n = 1 THEN taken END) AS first_taken,
            MAX(CASE WHEN n = sittings THEN rating END) AS latest,
            MAX(CASE WHEN n = sittings THEN taken END) AS latest_taken,
            MAX(sittings) AS sittings
        FROM (
            SELECT sc.user_id AS uid, r.skill_id AS skill, r.rating AS rating,
                sc.taken_at AS taken,
                ROW_NUMBER() OVER (
                    PARTITION BY sc.user_id, r.skill_id ORDER BY sc.taken_at, sc.id
                ) AS n,
                COUNT(*) OVER (PARTITION BY sc.user_id, r.skill_id) AS sittings
            FROM {ratings} r
            JOIN {sittings} sc ON sc.id = r.self_check_id
            {where}
        ) ordered
        GROUP BY uid, skill
    """


def _skill_facts_sql(model, ids_sql: str) -> str:
    """INSERT ... SELECT of the SkillFact rows of the people `ids_sql`
    selects (every person when empty; its params are needed twice)."""
    quote = connection.ops.quote_name

    def table(app, name):
        return quote(model(app, name)._meta.db_table)

    course_skills = model("courses", "CoursePage")._meta.get_field("skills").remote_field.through
    rated = first_and_latest_sql([f"sc.user_id IN ({ids_sql})"] if ids_sql else [], model=model)
    completed = f" AND lp.user_id IN ({ids_sql})" if ids_sql else ""
    return f"""
        INSERT INTO {table("reports", "SkillFact")} (user_id, skill_id, first_rating,
            first_taken_at, latest_rating, latest_taken_at, sittings, completed,
            sector_id, local_area_id, seniority_id, record_key)
        SELECT s.uid, s.skill, MAX(s.first_rating), MAX(s.first_taken), MAX(s.latest),
            MAX(s.latest_taken), MAX(s.sittings), SUM(s.completed),
            p.sector_id, p.local_area_id, p.seniority_id, COALESCE(k.{quote("key")}, 0)
        FROM (
            SELECT uid, skill, first_rating, first_taken, latest, latest_taken, sittings,
                0 AS completed
            FROM ({rated}) rated
            UNION ALL
            SELECT lp.user_id, cs.skill_id, NULL, NULL, NULL, NULL, 0, COUNT(*)
            FROM {table("progress", "LessonProgress")} lp
            JOIN {quote(course_skills._meta.db_table)} cs ON cs.coursepage_id = lp.course_id
            WHERE lp.completed_at IS NOT NULL{completed}
            GROUP BY lp.user_id, cs.skill_id
        ) s
        LEFT JOIN {table("learners", "LearnerProfile")} p ON p.user_id = s.uid
        LEFT JOIN {table("equity", "RecordKey")} k ON k.user_id = s.uid
        GROUP BY s.uid, s.skill, p.sector_id, p.local_area_id, p.seniority_id, k.{quote("key")}
    """


# -- keeping them current ---------------------------------------------------------


@receiver(post_save, sender=LearningEvent, dispatch_uid="report_facts_event")
def event_saved(sender, instance, **kwargs):
    if instance.user_id is not None:
        recompute([instance.user_id])


@receiver(post_save, sender=LessonProgress, dispatch_uid="report_facts_progress_saved")
def progress_saved(sender, instance, created=False, **kwargs):
    recompute([instance.user_id])
    if not (created and instance.completed_at is None):  # a start completes nothing
        recompute_skill_facts([instance.user_id])


@receiver(post_delete, sender=LessonProgress, dispatch_uid="report_facts_progress_deleted")
def progress_deleted(sender, instance, origin=None, **kwargs):
    if _from_account(origin):
        return  # the account is being deleted, and its facts with it
    recompute([instance.user_id])
    recompute_skill_facts([instance.user_id])


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
    recompute_skill_facts([user.pk])


@receiver(post_save, sender=SelfCheckRating, dispatch_uid="report_facts_rating_saved")
def rating_saved(sender, instance, **kwargs):
    recompute_skill_facts(
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
@receiver(post_delete, sender=LearnerProfile, dispatch_uid="report_facts_profile_deleted")
def person_row_deleted(sender, instance, origin=None, **kwargs):
    """A sitting or a profile deleted, not with the account (whose facts
    cascade): that person's skill facts."""
    if not _from_account(origin):
        recompute_skill_facts([instance.user_id])


@receiver(post_save, sender=LearnerProfile, dispatch_uid="report_facts_profile_saved")
def profile_saved(sender, instance, **kwargs):
    recompute_skill_facts([instance.user_id])


@receiver(m2m_changed, sender=CoursePage.skills.through, dispatch_uid="report_facts_course_skills")
def course_skills_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A course's skills changed (written when it is published, and only
    what changed): the completions of its lessons count for the skills it has
    now, for everyone who completed them."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    completions = LessonProgress.objects.filter(completed_at__isnull=False).order_by()
    if not reverse:
        people = completions.filter(course_id=instance.pk).values("user_id")
    elif action == "post_clear":  # a skill's courses cleared: whoever's facts carry it
        people = SkillFact.objects.filter(skill=instance, completed__gt=0).values("user_id")
    else:
        people = completions.filter(course_id__in=pk_set).values("user_id")
    recompute_skill_facts(people)


@receiver(record_keys_drawn, dispatch_uid="report_facts_record_keys_drawn")
def keys_drawn(sender, user_ids, **kwargs):
    """Record keys drawn for people (lms.equity RecordKey.objects.ensure_for):
    their skill facts carry them from now on. One statement."""
    SkillFact.objects.filter(user_id__in=user_ids).update(
        record_key=Subquery(RecordKey.objects.filter(user_id=OuterRef("user_id")).values("key"))
    )
