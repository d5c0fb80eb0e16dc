"""Learners for the nudge tests: onboarded, with a time zone and settings."""

from datetime import UTC, datetime, timedelta

import pytest

from content.models import Sector, SeniorityLevel
from courses.models import CoursePage, LessonPage
from lms.learners.models import LearnerProfile
from lms.nudges.models import Cadence, NudgePreference
from lms.progress.models import LessonProgress
from lms.progress.services import complete_lesson
from tests.factories import UserFactory

# Tuesday 24 November 2026, 08:00 in London (GMT, so 08:00 UTC).
TUESDAY_8AM = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def make_learner(
    django_user_model,
    email,
    *,
    sector="health-tech",
    seniority="board",
    time_zone="Europe/London",
    cadence=Cadence.WEEKLY,
    days=(1,),
    hour=8,
    **preference,
):
    user = UserFactory(
        email=email, password=None, first_name=email.split("@")[0].title(), verified=True
    )
    LearnerProfile.objects.create(
        user=user,
        sector=Sector.objects.get(slug=sector),
        seniority=SeniorityLevel.objects.get(slug=seniority),
        organisation_name="Test Org",
        organisation_size="50-249",
        time_zone=time_zone,
    )
    NudgePreference.objects.create(
        user=user, cadence=cadence, days=list(days), hour=hour, **preference
    )
    return user


def complete_at(user, lesson, moment):
    complete_lesson(user, lesson)
    LessonProgress.objects.filter(user=user, lesson=lesson).update(
        started_at=moment - timedelta(minutes=4), completed_at=moment
    )


def lessons_of(slug):
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def checks_in(slug):
    """(lesson, check) for every knowledge check of a library course, in order."""
    return [
        (lesson, block)
        for lesson in lessons_of(slug)
        for block in lesson.body
        if block.block_type == "knowledge_check"
    ]


@pytest.fixture
def learner_factory(django_user_model, library):
    # The starter library was imported today; in these tests it is old news.
    LessonPage.objects.update(first_published_at=datetime(2026, 1, 5, tzinfo=UTC))

    def make(email, **kwargs):
        return make_learner(django_user_model, email, **kwargs)

    return make
