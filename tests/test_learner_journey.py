"""Onboarding, lesson progress and the dashboard, over HTTP."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.models import Sector, SeniorityLevel, Skill
from courses.models import CoursePage, LessonPage
from courses.synthetic import build_catalogue
from lms.certificates.models import Certificate
from lms.learners.models import LearnerProfile, SelfCheck
from lms.pathways.models import PersonalPathwayItem
from lms.progress.models import CheckAnswer, Enrolment, LearningEvent, LessonProgress, Verb
from lms.progress.services import complete_lesson

pytestmark = pytest.mark.django_db


def complete_url(lesson):
    return reverse("progress:complete_lesson", args=[lesson.pk])


def onboarding_data(sector="health-tech", seniority="senior-leader", rating=3, **ratings):
    data = {
        "seniority": SeniorityLevel.objects.get(slug=seniority).pk,
        "sector": Sector.objects.get(slug=sector).pk,
        "organisation_name": "Sandwell and West Birmingham Hospitals",
        "organisation_size": "1000+",
        "local_area": "",
        "time_zone": "Europe/London",
        # Asked only when missing: a name, and how often to email.
        "first_name": "Dana",
        "nudge_cadence": "weekly",
    }
    for skill in Skill.objects.all():
        data[f"rating_{skill.slug}"] = ratings.get(skill.slug.replace("-", "_"), rating)
    return data


@pytest.fixture
def learner(client, django_user_model, library):
    user = django_user_model.objects.create_user("dana@example.com", "pw-dana-12345")
    client.force_login(user)
    return user


@pytest.fixture
def onboarded(client, learner):
    response = client.post("/onboarding/", onboarding_data(data_readiness=2))
    assert response.status_code == 302
    return learner


def lessons_of(slug):
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def test_dashboard_sends_a_new_learner_to_onboarding(client, learner):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url == "/onboarding/"


def test_onboarding_saves_profile_self_check_and_personal_pathway(client, onboarded):
    profile = LearnerProfile.objects.get(user=onboarded)
    assert profile.sector.slug == "health-tech"
    assert SelfCheck.objects.filter(user=onboarded).count() == 1
    items = PersonalPathwayItem.objects.filter(pathway__user=onboarded)
    assert items.exists()
    assert onboarded.personal_pathway.based_on.slug == "ai-in-health-and-care"


def test_onboarding_errors_say_what_to_fix_and_keep_answers(client, learner):
    data = onboarding_data()
    del data["sector"]
    data["organisation_name"] = "Keep me"
    response = client.post("/onboarding/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please fix 1 thing below" in html
    assert 'value="Keep me"' in html
    assert not LearnerProfile.objects.filter(user=learner).exists()


def test_dashboard_shows_one_recommendation_with_its_reason(client, onboarded):
    html = client.get("/dashboard/").content.decode()
    assert "Your next five minutes" in html
    assert html.count("Start this lesson") == 1
    assert "Because you lead in health tech" in html


def test_revisiting_the_self_check_shows_the_change(client, onboarded):
    client.post("/onboarding/", onboarding_data(data_readiness=4))
    assert SelfCheck.objects.filter(user=onboarded).count() == 2
    html = client.get("/dashboard/").content.decode()
    assert "(+2)" in html


def test_opening_a_lesson_enrols_and_starts_it_once(client, onboarded):
    lesson = lessons_of("ai-for-the-board")[0]
    client.get(lesson.url)
    client.get(lesson.url)
    assert Enrolment.objects.filter(user=onboarded).count() == 1
    assert LessonProgress.objects.filter(user=onboarded, lesson=lesson).count() == 1
    assert LearningEvent.objects.filter(user=onboarded, verb=Verb.STARTED).count() == 1


def test_knowledge_check_records_first_attempt_and_retries(client, onboarded):
    lesson = lessons_of("ai-for-the-board")[0]
    check = check_of(lesson)
    right = sorted(check.value.correct_options())
    wrong = [n for n in range(1, len(check.value["options"]) + 1) if n not in right][:1]
    client.get(lesson.url)
    headers = {"HX-Request": "true"}
    url = reverse("progress:answer_check", args=[lesson.pk])
    form = {"check": check.id, "attempt": "t1"}
    client.post(url, form | {"answer": wrong}, headers=headers)
    client.post(url, form | {"answer": wrong}, headers=headers)  # double click: same form
    response = client.post(url, form | {"answer": right, "attempt": "t2"}, headers=headers)
    assert "Correct." in response.content.decode()
    answer = CheckAnswer.objects.get(user=onboarded, lesson=lesson)
    assert answer.attempts == 2
    assert answer.first_attempt_correct is False
    assert answer.last_correct is True


def test_mark_complete_in_place_and_replays_do_not_double_count(client, onboarded):
    lessons = lessons_of("ai-for-the-board")
    client.get(lessons[0].url)
    for _ in range(3):
        response = client.post(complete_url(lessons[0]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Lesson complete." in html
    assert f"Next lesson: {lessons[1].title}" in html
    assert LearningEvent.objects.filter(user=onboarded, verb=Verb.COMPLETED).count() == 1
    assert LessonProgress.objects.get(user=onboarded, lesson=lessons[0]).completed_at


def test_mark_complete_without_javascript_goes_to_the_next_lesson(client, onboarded):
    lessons = lessons_of("ai-for-the-board")
    response = client.post(complete_url(lessons[0]))
    assert response.status_code == 302
    assert response.url == lessons[1].url


def test_completing_a_course_issues_one_certificate_and_shows_on_dashboard(client, onboarded):
    lessons = lessons_of("buying-ai-well")
    for lesson in lessons[:-1]:
        complete_lesson(onboarded, lesson)
    response = client.post(complete_url(lessons[-1]))
    certificate = Certificate.objects.get(user=onboarded)
    assert response.url == certificate.get_absolute_url()
    complete_lesson(onboarded, lessons[-1])
    assert Certificate.objects.filter(user=onboarded).count() == 1
    html = client.get("/dashboard/").content.decode()
    assert certificate.course_title in html
    assert "1 week" in html  # streak


def test_anonymous_visitor_can_read_but_is_asked_to_sign_in_to_track(client, library):
    lesson = lessons_of("ai-for-the-board")[0]
    html = client.get(lesson.url).content.decode()
    assert "to record your progress" in html
    response = client.post(complete_url(lesson))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not LessonProgress.objects.exists()


def test_a_newly_published_lesson_joins_matching_personal_pathways(onboarded):
    from lms.pathways.services import extend_personal_pathways

    course = CoursePage.objects.get(slug="operational-ai-in-health-and-care")
    lesson = course.add_child(
        instance=LessonPage(title="New lesson", slug="brand-new", summary="s", body=[])
    )
    added = extend_personal_pathways(lesson.pk)
    assert added >= 1
    item = PersonalPathwayItem.objects.get(pathway__user=onboarded, lesson=lesson)
    assert item.reason == "New in health tech"
    assert extend_personal_pathways(lesson.pk) == 0


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_dashboard_and_lesson_queries_do_not_grow_with_history(client, onboarded):
    build_catalogue(lessons=20, lessons_per_course=5, prefix="history")
    history = list(LessonPage.objects.filter(slug__startswith="lesson-").order_by("path"))
    lesson = lessons_of("ai-for-the-board")[1]
    complete_lesson(onboarded, history[0])
    client.get(lesson.url)
    small = (queries(client, "/dashboard/"), queries(client, lesson.url))
    for page in history[1:]:
        complete_lesson(onboarded, page)  # and so four courses, with their certificates
    assert LessonProgress.objects.filter(user=onboarded, completed_at__isnull=False).count() >= 20
    assert Certificate.objects.filter(user=onboarded).count() >= 4
    large = (queries(client, "/dashboard/"), queries(client, lesson.url))
    assert large == small
