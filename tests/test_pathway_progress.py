"""One definition of pathway progress (lms.pathways.services.pathway_progress):
the dashboard, the pathway page, the cohort page, the cohort's member list and
the programme reports count the same lessons for the same pathway; and the
pathway pages themselves (/pathways/<slug>/ and /me/pathway/)."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from courses.models import CoursePage, LessonPage
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort, Programme
from lms.pathways.models import Pathway, PathwayItem, PersonalPathway, PersonalPathwayItem
from lms.pathways.services import (
    lesson_groups,
    next_five_minutes,
    pathway_lesson_ids,
    pathway_progress,
)
from lms.progress.models import LessonProgress
from lms.progress.services import complete_lesson, start_lesson
from lms.reports.cohort_metrics import Scope, learner_rows
from tests.factories import signed_in
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.django_db


def lessons_of(slug):
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


@pytest.fixture
def mix(library, django_user_model):
    """A pathway of four steps that holds four lessons that count:

    1. the course "buying-ai-well": its three live lessons, not the draft one
       added to it;
    2. the first lesson of "ai-for-the-board" (a lesson step);
    3. the course "nhs-board-assurance-for-ai", unpublished (its lessons stay
       live, but none counts);
    4. the second lesson of "buying-ai-well" again (already counted).

    Ada, in a cohort on it, completed the first buying lesson twice, the
    second once, a lesson of the unpublished course and the draft lesson:
    2 of 4 done, the third buying lesson next."""
    buying = lessons_of("buying-ai-well")
    board = lessons_of("ai-for-the-board")
    assert len(buying) == 3
    course = buying[0].course
    draft = course.add_child(
        instance=LessonPage(title="Draft lesson 5e1c", slug="draft-5e1c", summary="s", body=[])
    )
    draft.unpublish()
    hidden = CoursePage.objects.get(slug="nhs-board-assurance-for-ai")
    hidden_lessons = list(LessonPage.objects.child_of(hidden).live())
    hidden.unpublish()
    assert hidden_lessons and all(lesson.live for lesson in hidden_lessons)
    pathway = Pathway.objects.create(title="Mixed pathway 5e1c", slug="mixed-5e1c")
    for order, step in enumerate(
        [{"course": course}, {"lesson": board[0]}, {"course": hidden}, {"lesson": buying[1]}]
    ):
        PathwayItem.objects.create(pathway=pathway, sort_order=order, **step)
    cohort = Cohort.objects.create(
        name="Mixed cohort 5e1c",
        programme=Programme.objects.create(name="Mixed programme"),
        pathway=pathway,
        starts_on=date(2026, 1, 5),
        ends_on=date(2027, 12, 31),
    )
    ada = make_learner(django_user_model, "ada.mix@example.com")
    cohorts.join(cohort, ada)
    complete_lesson(ada, buying[0])
    complete_lesson(ada, buying[0])
    complete_lesson(ada, buying[1])
    complete_lesson(ada, hidden_lessons[0])
    complete_lesson(ada, draft)
    return {
        "pathway": pathway,
        "cohort": cohort,
        "ada": ada,
        "counted": [*buying, board[0]],
        "buying": buying,
        "board": board,
    }


def counts_in(html: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"(\d+) of (\d+) lessons?\b", html)]


def test_the_pathway_holds_live_lessons_of_live_courses_once_in_order(mix):
    ids = pathway_lesson_ids([mix["pathway"].pk])
    assert ids == {mix["pathway"].pk: [lesson.pk for lesson in mix["counted"]]}
    (progress,) = pathway_progress(mix["ada"], [mix["pathway"]])
    assert (progress.done, progress.total, progress.percent) == (2, 4, 50)
    assert progress.next_step.lesson_id == mix["buying"][2].pk
    groups = lesson_groups(progress)
    assert [group.course.slug for group in groups] == ["buying-ai-well", "ai-for-the-board"]
    assert [row.state for group in groups for row in group.rows] == ["done", "done", "next", "todo"]
    assert [row.number for group in groups for row in group.rows] == [1, 2, 3, 4]


def test_dashboard_pathway_page_cohort_page_members_and_reports_agree(mix):
    client = signed_in(mix["ada"])
    dashboard = client.get("/dashboard/").content.decode()
    row = next(part for part in dashboard.split('<li class="pathway-row">') if "5e1c" in part)
    assert counts_in(row)[0] == (2, 4)
    assert 'href="/pathways/mixed-5e1c/"' in row
    pathway_page = client.get("/pathways/mixed-5e1c/").content.decode()
    assert counts_in(pathway_page)[0] == (2, 4)
    cohort_page = client.get(f"/cohorts/{mix['cohort'].pk}/").content.decode()
    assert counts_in(cohort_page)[0] == (2, 4)
    for html in (pathway_page, cohort_page):
        assert html.count('data-state="done"') == 2
        assert html.count('data-state="next"') == 1
        assert html.count('data-state="todo"') == 1
        assert "Draft lesson 5e1c" not in html
    (member,) = cohorts.member_rows(mix["cohort"], mix["cohort"].invitations.all())
    assert (member.pathway_done, member.pathway_total) == (2, 4)
    assert member.status == "Activated"

    def completed():
        return learner_rows(Scope(cohort_ids=(mix["cohort"].pk,))).get(pk=mix["ada"].pk).m_completed

    assert not completed()
    for lesson in mix["counted"]:
        complete_lesson(mix["ada"], lesson)
    assert completed()
    (member,) = cohorts.member_rows(mix["cohort"], mix["cohort"].invitations.all())
    assert (member.pathway_done, member.pathway_total, member.status) == (
        4,
        4,
        "Completed pathway",
    )
    assert counts_in(client.get("/pathways/mixed-5e1c/").content.decode())[0] == (4, 4)


def test_a_lesson_published_later_joins_every_count(mix):
    draft = LessonPage.objects.get(slug="draft-5e1c")
    draft.save_revision().publish()
    (progress,) = pathway_progress(mix["ada"], [mix["pathway"]])
    assert (progress.done, progress.total) == (3, 5)  # the draft was completed before


def test_the_next_lesson_has_start_then_continue_once_opened(mix):
    client = signed_in(mix["ada"])
    next_lesson = mix["buying"][2]
    html = client.get("/pathways/mixed-5e1c/").content.decode()
    item = re.search(r'<li [^>]*data-state="next".*?</li>', html, re.S).group(0)
    assert next_lesson.title in item and f'href="{next_lesson.url}"' in item
    assert re.search(r'class="button[^"]*"[^>]*>Start<', item)
    start_lesson(mix["ada"], next_lesson)
    html = client.get("/pathways/mixed-5e1c/").content.decode()
    item = re.search(r'<li [^>]*data-state="next".*?</li>', html, re.S).group(0)
    assert re.search(r'class="button[^"]*"[^>]*>Continue<', item)


def test_pathway_page_is_404_when_not_live_or_missing_and_asks_visitors_to_sign_in(mix, client):
    response = client.get("/pathways/mixed-5e1c/")
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/pathways/mixed-5e1c/"
    ada = signed_in(mix["ada"])
    assert ada.get("/pathways/no-such-pathway/").status_code == 404
    Pathway.objects.filter(pk=mix["pathway"].pk).update(live=False)
    assert ada.get("/pathways/mixed-5e1c/").status_code == 404
    # The cohort page still shows its pathway, and the dashboard links there instead.
    assert counts_in(ada.get(f"/cohorts/{mix['cohort'].pk}/").content.decode())[0] == (2, 4)
    dashboard = ada.get("/dashboard/").content.decode()
    row = next(part for part in dashboard.split('<li class="pathway-row">') if "5e1c" in part)
    assert f'href="/cohorts/{mix["cohort"].pk}/"' in row


def test_personal_pathway_page_counts_by_the_same_rule(mix):
    ada = mix["ada"]
    personal = PersonalPathway.objects.create(user=ada)
    draft = LessonPage.objects.get(slug="draft-5e1c")
    hidden = LessonPage.objects.child_of(CoursePage.objects.get(slug="nhs-board-assurance-for-ai"))
    for position, lesson in enumerate(
        [mix["board"][1], draft, hidden.first(), mix["buying"][0], mix["board"][0]], start=1
    ):
        PersonalPathwayItem.objects.create(
            pathway=personal, lesson=lesson, position=position, reason="test"
        )
    client = signed_in(ada)
    html = client.get("/me/pathway/").content.decode()
    assert counts_in(html)[0] == (1, 3)
    assert re.findall(r'data-state="(\w+)"', html) == ["next", "done", "todo"]
    dashboard = client.get("/dashboard/").content.decode()
    row = next(part for part in dashboard.split('<li class="pathway-row">') if "personal" in part)
    assert counts_in(row)[0] == (1, 3) and 'href="/me/pathway/"' in row


def test_personal_pathway_page_sends_someone_not_onboarded_to_onboarding(django_user_model):
    client = signed_in(django_user_model.objects.create_user("new.mix@example.com", "pw-x-12345"))
    response = client.get("/me/pathway/")
    assert response.status_code == 302 and response.url == reverse("onboarding")


def test_dashboard_greets_by_name_welcome_then_welcome_back(library, django_user_model):
    learner = make_learner(django_user_model, "grace.mix@example.com")
    learner.first_name = "Grace"
    learner.save()
    client = signed_in(learner)
    heading = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
    assert heading.search(client.get("/dashboard/").content.decode()).group(1) == "Welcome, Grace"
    lesson = lessons_of("ai-for-the-board")[0]
    start_lesson(learner, lesson)
    assert heading.search(client.get("/dashboard/").content.decode()).group(1) == "Welcome, Grace"
    complete_lesson(learner, lesson)
    assert LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()
    html = client.get("/dashboard/").content.decode()
    assert heading.search(html).group(1) == "Welcome back, Grace"
    learner.first_name = ""
    learner.save()
    assert heading.search(client.get("/dashboard/").content.decode()).group(1) == "Welcome back"


def test_dashboard_continue_card_comes_first_with_the_recommendation_and_its_reason(
    library, django_user_model
):
    learner = make_learner(django_user_model, "lin.mix@example.com")
    html = signed_in(learner).get("/dashboard/").content.decode()
    main = html[html.index("<main") :]
    first_section = re.search(r"<section[^>]*>", main).group(0)
    assert 'id="continue"' in first_section
    card = main[main.index('id="continue"') : main.index("</section>")]
    links = re.findall(r'href="([^"]+)"', card)
    assert len(links) == 1 and re.search(r'class="button[ "]', card)
    recommendation, lesson = next_five_minutes(learner, learner.learner_profile)
    assert links == [lesson.url]
    assert lesson.title in card and lesson.course.title in card
    assert f"{lesson.reading_minutes} min" in card
    assert recommendation.reason.startswith("Because ")
    assert escape(recommendation.reason) in card
    assert card.index("Your next five minutes") < card.index(lesson.title)
