"""The home page starts people: what it is, how it works, who writes it, a way
in for newcomers, and the next lesson first for those signed in."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from content.models import Partner
from courses.models import CoursePage
from home.models import DEFAULT_STEPS, HomePage
from lms.pathways.services import next_five_minutes
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db


def links(html: str) -> dict[str, str]:
    """Link text (tags stripped) → href, for the page's main content."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip(): href
        for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', main, re.S)
    }


def test_anonymous_visitor_can_start_free_or_sign_in(client, library):
    html = client.get("/").content.decode()
    found = links(html)
    assert found["Start free"] == reverse("account_signup")
    assert found["Sign in"] == reverse("account_login")
    assert found["Browse the courses"] == library.url
    assert 'class="button" href="/accounts/signup/">Start free' in html  # the primary action


def test_home_page_says_how_it_works_in_three_steps(client, library):
    html = client.get("/").content.decode()
    steps = re.findall(r'<li class="steps__item"><h3 class="steps__title">([^<]+)</h3>', html)
    assert steps == [step["value"]["title"] for step in DEFAULT_STEPS]
    assert [s for s in steps] == ["Five minutes", "One lesson at a time", "Scan, pilot, scale"]


def test_headline_intro_and_steps_are_edited_on_the_home_page(client, library):
    home = HomePage.objects.get()
    home.headline = "Lead on AI in five minutes"
    home.intro = "Lessons for the people who decide."
    home.steps_heading = "Three steps"
    home.steps = [("step", {"title": "Read", "text": "One lesson."})]
    home.partners_heading = "Our authors"
    home.save()
    html = client.get("/").content.decode()
    for text in ("Lead on AI in five minutes", "Lessons for the people who decide.", "Three steps"):
        assert text in html
    assert re.findall(r'<h3 class="steps__title">([^<]+)</h3>', html) == ["Read"]
    assert "Our authors" in html


def test_partners_who_write_the_courses_are_shown_with_links_to_their_shelves(client, library):
    image = get_image_model().objects.create(title="Logo", file=get_test_image_file())
    partners = list(Partner.objects.filter(courses__live=True).distinct())
    assert len(partners) >= 2
    with_logo, *without = partners
    Partner.objects.filter(pk=with_logo.pk).update(logo=image)
    html = client.get("/").content.decode()
    section = html.split('id="partners-heading"', 1)[1].split("</section>", 1)[0]
    marks = dict(
        (href, inner)
        for href, inner in re.findall(
            r'<a class="partner-mark" href="([^"]+)">(.*?)</a>', section, re.S
        )
    )
    assert set(marks) == {partner.shelf.url for partner in partners}
    logo = marks[with_logo.shelf.url]
    assert "<img" in logo and f'alt="{escape(with_logo.name)}"' in logo
    for partner in without:
        assert (
            marks[partner.shelf.url]
            == f'<span class="partner-mark__name">{escape(partner.name)}</span>'
        )
    unpublished = Partner.objects.create(name="No Courses Yet College", slug="no-courses-yet")
    assert unpublished.name not in client.get("/").content.decode()


def test_new_courses_are_listed_with_the_shared_card(client, library):
    html = client.get("/").content.decode()
    newest = CoursePage.objects.live().order_by("-first_published_at").first()
    assert 'id="new-courses"' in html and escape(newest.title) in html
    assert len(re.findall(r'<li class="card[" ]', html)) == 3


def test_signed_in_learner_sees_their_next_lesson_first_and_no_start_free(learner_factory):
    user = learner_factory("home.next@example.com")
    recommendation, lesson = next_five_minutes(user, user.learner_profile)
    html = signed_in(user).get("/").content.decode()
    main = html.split('<main id="main"', 1)[1]
    assert "Start free" not in html
    assert main.index("Your next five minutes") < main.index(escape(lesson.title))
    assert main.index(escape(lesson.title)) < main.index('id="new-courses"')
    found = links(html)
    assert found[f"Continue: {lesson.title}"] == lesson.url
    assert escape(recommendation.reason) in html
    assert found["Your dashboard"] == reverse("dashboard")


def test_signed_in_without_a_profile_is_sent_on_to_set_up(client, library):
    user = UserFactory(email="home.new@example.com", verified=True)
    html = signed_in(user).get("/").content.decode()
    assert "Start free" not in html
    assert links(html)["Continue: set up your learning"] == reverse("onboarding")


def test_editors_can_open_the_home_page_with_its_new_sections(admin_client, library):
    home = HomePage.objects.get()
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[home.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("headline", "intro", "steps_heading", "steps", "partners_heading"):
        assert f'name="{field}' in html, field
