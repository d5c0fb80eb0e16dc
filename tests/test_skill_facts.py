"""The per-person, per-skill facts (lms.reports.models.SkillFact): kept by
the self-check, progress, profile, course and record-key writes inside their
transactions, always exactly a full recomputation after any sequence of
sittings, re-ratings, edited and deleted ratings, deleted sittings, lessons
completed, profiles changed, a course's skills changed and published, record
keys drawn, and erased or deleted accounts; a fixed number of statements per
person; and the Skills gaps report over them equal to its reading of the
ratings and progress themselves (its period queries, over a period covering
all)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.models import LocalArea, Sector, Skill
from courses.models import CoursePage
from lms.core import personal_data
from lms.equity.models import RecordKey
from lms.learners.models import SelfCheck, SelfCheckRating
from lms.learners.services import profile_of
from lms.learners.signals import self_check_saved
from lms.progress.services import complete_lesson
from lms.reports import skills_gaps
from lms.reports.facts import recompute_skill_facts
from lms.reports.models import SkillFact
from tests import recomputation
from tests.factories import LearnerProfileFactory, self_check
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def facts():
    return sorted(
        SkillFact.objects.values_list(
            "user_id",
            "skill_id",
            "first_rating",
            "first_taken_at",
            "latest_rating",
            "latest_taken_at",
            "sittings",
            "completed",
            "sector_id",
            "local_area_id",
            "seniority_id",
            "record_key",
        )
    )


def recomputed():
    return recomputation.recomputed(recompute_skill_facts, facts)


def check():
    assert facts() == recomputed()
    everyone = skills_gaps.figures_by_group(None, skills_gaps.DIMENSIONS)
    windowed = skills_gaps.figures_by_group(
        None, skills_gaps.DIMENSIONS, since=date(2000, 1, 1), until=date(2100, 1, 1)
    )
    for group in set(everyone) | set(windowed):
        mine, theirs = everyone.get(group, {}), windowed.get(group, {})
        for skill in set(mine) | set(theirs):
            a, b = mine.get(skill), theirs.get(skill)
            assert a == b, (group, skill)


def sitting(user, ratings, taken_at):
    """A sitting as the onboarding saves it: the sitting, its ratings in
    bulk, then self_check_saved in the same transaction."""
    with transaction.atomic():
        sc = SelfCheck.objects.create(user=user)
        SelfCheck.objects.filter(pk=sc.pk).update(taken_at=taken_at)
        SelfCheckRating.objects.bulk_create(
            SelfCheckRating(self_check=sc, skill=skill, rating=r) for skill, r in ratings.items()
        )
        self_check_saved.send(sender=SelfCheck, user=user, profile=profile_of(user), self_check=sc)
    return sc


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "sit",
                "same_time",
                "edit",
                "drop_rating",
                "drop_sitting",
                "erase",
                "complete",
                "profile",
                "retag",
                "keys",
            ]
        ),
        st.integers(0, 3),  # person
        st.lists(st.integers(1, 5), min_size=3, max_size=3),  # ratings of three skills
        st.lists(st.booleans(), min_size=3, max_size=3),  # which skills are rated
    ),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_facts_equal_a_full_recomputation_after_any_sequence(library, actions):
    with transaction.atomic():
        point = transaction.savepoint()
        skills = list(Skill.objects.order_by("pk")[:3])
        lessons = lessons_of("buying-ai-well") + lessons_of("ai-for-the-board")
        courses = list(CoursePage.objects.filter(pk__in={lesson.course.pk for lesson in lessons}))
        areas = [None, *LocalArea.objects.order_by("pk")[:2]]
        sectors = list(Sector.objects.order_by("pk")[:2])
        people = [LearnerProfileFactory().user for _ in range(4)]
        when = START
        for action, who, ratings, rated in actions:
            person = people[who]
            chosen = {s: r for s, r, keep in zip(skills, ratings, rated, strict=True) if keep}
            chosen = chosen or {skills[0]: ratings[0]}
            sittings = SelfCheck.objects.filter(user=person).order_by("taken_at", "id")
            if action == "sit":
                when += timedelta(days=1)
                sitting(person, chosen, when)
            elif action == "same_time":  # ties on taken_at go by id
                sitting(person, chosen, when)
            elif action == "edit" and SelfCheckRating.objects.filter(self_check__user=person):
                rating = SelfCheckRating.objects.filter(self_check__user=person).first()
                rating.rating = ratings[0]
                rating.save()
            elif action == "drop_rating":
                rating = SelfCheckRating.objects.filter(self_check__user=person).last()
                if rating is not None:
                    rating.delete()
            elif action == "drop_sitting" and sittings:
                sittings.first().delete()
            elif action == "erase":
                personal_data.erase(person) if who % 2 else person.delete()
                people[who] = LearnerProfileFactory().user
            elif action == "complete":
                complete_lesson(person, lessons[(ratings[0] * 3 + ratings[1]) % len(lessons)])
            elif action == "profile":
                profile = profile_of(person)
                profile.local_area = areas[ratings[0] % len(areas)]
                profile.sector = sectors[ratings[1] % len(sectors)]
                profile.save()
            elif action == "retag":
                course = courses[who % len(courses)].specific
                course.skills.set([s for s, keep in zip(skills, rated, strict=True) if keep])
                course.save_revision().publish()
            elif action == "keys":
                RecordKey.objects.ensure_for([person.pk])
            check()
        transaction.savepoint_rollback(point)


def test_a_sitting_costs_a_fixed_number_of_statements(library):
    skills = list(Skill.objects.order_by("pk")[:3])
    person = LearnerProfileFactory().user
    self_check(person, {skills[0]: 2}, START)
    for n in range(1, 4):
        with CaptureQueriesContext(connection) as queries:
            recompute_skill_facts([person.pk])
        assert len(queries) == (3 if connection.vendor == "postgresql" else 2)
        self_check(person, {s: n + 1 for s in skills}, START + timedelta(days=n))
    assert facts() == recomputed()
    assert SkillFact.objects.filter(user=person).count() == 3


def test_the_facts_go_with_the_account(library):
    skill = Skill.objects.order_by("pk").first()
    person = LearnerProfileFactory().user
    sitting(person, {skill: 3}, START)
    sitting(person, {skill: 5}, START + timedelta(days=1))
    fact = SkillFact.objects.get(user=person)
    assert (fact.first_rating, fact.latest_rating, fact.sittings) == (3, 5, 2)
    person.delete()
    assert not SkillFact.objects.exists()


def test_a_courses_skills_changed_move_its_completions_to_the_skills_it_has_now(library):
    first, second = Skill.objects.order_by("pk")[:2]
    lesson = lessons_of("buying-ai-well")[0]
    course = CoursePage.objects.get(pk=lesson.course.pk)
    person = LearnerProfileFactory().user
    course.skills.set([first])
    course.save_revision().publish()
    complete_lesson(person, lesson)

    def completed():
        return dict(
            SkillFact.objects.filter(user=person, completed__gt=0).values_list(
                "skill_id", "completed"
            )
        )

    assert completed() == {first.pk: 1}
    course = CoursePage.objects.get(pk=course.pk)
    course.skills.set([second])
    course.save_revision().publish()  # the skills are written on publishing
    assert completed() == {second.pk: 1}
    assert facts() == recomputed()
    second.courses.clear()  # from the skill's side
    assert completed() == {}
    assert facts() == recomputed()
