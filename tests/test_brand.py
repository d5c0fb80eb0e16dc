"""The brand and design system: the site name and colours an admin edits,
self-hosted fonts, favicon, generated course covers, titles and descriptions,
and the error pages in the site's layout."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.test import RequestFactory
from django.views.defaults import permission_denied
from wagtail.models import Site

from content.brand import contrast_ratio, mix, stylesheet, validate_text_colour
from content.models import Brand, Sector
from courses.covers import PALETTES, cover_svg
from courses.models import CoursePage, LessonPage
from lms.core import views as core_views

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"


@pytest.fixture
def brand(library):
    return Brand.for_site(Site.objects.get(is_default_site=True))


def learner_pages():
    course = CoursePage.objects.live().order_by("path").first()
    lesson = LessonPage.objects.live().child_of(course).order_by("path").first()
    return ["/", "/courses/", course.url, lesson.url]


@pytest.mark.parametrize("colour", ["#ffbf47", "#8fb0f0", "#777777", "#23408"])
def test_a_brand_colour_that_white_text_cannot_read_on_is_refused_with_its_contrast(colour):
    with pytest.raises(ValidationError) as refused:
        validate_text_colour(colour)
    message = " ".join(refused.value.messages)
    assert "six hex digits" in message or re.search(r"contrast of \d\.\d:1", message), message


def test_the_default_colours_and_every_text_colour_keep_4_5_to_1():
    validate_text_colour(Brand._meta.get_field("brand_colour").default)
    validate_text_colour(Brand._meta.get_field("accent_colour").default)
    css = (STATIC / "css" / "site.css").read_text()
    tokens = dict(re.findall(r"(--color-[a-z-]+): (#[0-9a-f]{6});", css))
    for text in ("ink", "muted", "brand", "brand-strong", "accent", "success", "danger", "warning"):
        for ground in ("paper", "surface"):
            ratio = contrast_ratio(tokens[f"--color-{text}"], tokens[f"--color-{ground}"])
            assert ratio >= 4.5, (text, ground, ratio)
    for text in ("success", "danger", "warning"):
        ground = f"{text}-soft"
        assert contrast_ratio(tokens[f"--color-{text}"], tokens[f"--color-{ground}"]) >= 4.5


def test_what_an_admin_sets_is_what_every_page_shows(client, brand):
    brand.name = "Skills Hub North"
    brand.tagline = "Short AI lessons for the region's leaders."
    brand.brand_colour = "#5b1a6e"
    brand.full_clean()
    brand.save()
    for url in learner_pages():
        html = client.get(url).content.decode()
        assert "<span>Skills Hub North</span>" in html, url
        assert re.search(r"<title>[^<]*Skills Hub North</title>", html), url
        assert "Five Minute AI" not in html, url
        link = re.search(r'href="(/brand\.css\?v=\w+)"', html).group(1)
    response = client.get(link)
    assert response["Content-Type"].startswith("text/css")
    assert "--color-brand:#5b1a6e;" in response.content.decode()
    assert "immutable" in response["Cache-Control"]
    # A stale version is still served, but cached for minutes, not a year.
    assert "immutable" not in client.get("/brand.css?v=old")["Cache-Control"]


def test_the_brand_stylesheet_darkens_and_tints_the_colour():
    css = stylesheet("#23408e", "#a8410b")
    assert f"--color-brand-strong:{mix('#23408e', '#000000', 0.35)};" in css
    assert "--color-accent:#a8410b;" in css


def test_a_page_titled_like_the_site_has_the_name_once_and_others_have_it_last(client, brand):
    home = client.get("/").content.decode()
    assert re.search(r"<title>\s*Five Minute AI\s*</title>", home), home[:400]
    course = CoursePage.objects.live().order_by("path").first()
    assert (
        f"<title>{course.title} · Five Minute AI</title>" in client.get(course.url).content.decode()
    )


def test_every_learner_page_has_a_description_icons_and_only_its_own_fonts(client, brand):
    for url in learner_pages():
        html = client.get(url).content.decode()
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert description and len(description.group(1)) > 20, url
        assert 'href="/favicon.ico"' in html and 'rel="apple-touch-icon"' in html
        # Nothing is fetched from another site: fonts and scripts are ours.
        assert not re.search(r'(src|href)="https?://(?!testserver)[^"]*\.(css|js|woff2?)', html), (
            url
        )
        assert "fonts/inter-latin-wght-normal.woff2" in html
    css = (STATIC / "css" / "site.css").read_text()
    for font in re.findall(r'url\("\.\./fonts/([^"]+)"\)', css):
        assert (STATIC / "fonts" / font).stat().st_size > 10_000, font
    assert (STATIC / "fonts" / "LICENSE-Inter.txt").exists()


def test_the_favicon_and_robots_are_at_the_root(client, db):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/x-icon"
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and b"Disallow: /admin/" in b"".join(robots.streaming_content)


def test_a_generated_cover_follows_the_sector_and_the_title():
    first = cover_svg("Buying AI well", "health-tech")
    assert first == cover_svg("Buying AI well", "health-tech")  # the same every time
    assert 'aria-hidden="true"' in first and "<script" not in first
    assert first != cover_svg("Digital twins", "health-tech")
    grounds = {cover_svg("Same title", f"sector-{n}").split('fill="')[1][:7] for n in range(40)}
    assert len(grounds) >= len(PALETTES) - 2  # sectors spread over the palettes
    hostile = cover_svg('"><script>alert(1)</script>', "x", css_class='"><b>')
    assert "<script>" not in hostile and "<b>" not in hostile


def test_a_course_without_a_cover_shows_generated_art_in_the_catalogue_and_on_its_page(
    client, library
):
    course = CoursePage.objects.live().order_by("path").first()
    course.cover_image = None
    course.save_revision().publish()
    sector = sorted(course.sectors.all(), key=lambda s: s.name)[0]
    art = cover_svg(course.title, sector.slug, "card__cover")
    catalogue = client.get(f"/courses/?q={course.title}").content.decode()
    assert art in catalogue
    page = client.get(course.url).content.decode()
    assert cover_svg(course.title, sector.slug, "course-cover__art") in page
    # And one with a cover shows its image, with its alt text on the course page.
    other = CoursePage.objects.live().exclude(pk=course.pk).exclude(cover_image=None).first()
    html = client.get(other.url).content.decode()
    assert (
        f'alt="{other.cover_alt}"' in html
        and other.cover_image.file.name.split("/")[-1][:8] in html
    )
    assert Sector.objects.exists()


def test_the_error_pages_are_in_the_site_layout(client, brand):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "We can’t find that page" in html and 'class="site-header"' in html
    assert "<title>Page not found · Five Minute AI</title>" in html

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    forbidden = permission_denied(request, exception=None)
    assert forbidden.status_code == 403
    assert "This page isn’t open to you" in forbidden.content.decode()

    error = core_views.server_error(request)
    assert error.status_code == 500
    body = error.content.decode()
    assert "Something went wrong on our side" in body and 'class="site-header"' in body


def test_the_500_page_still_answers_when_the_database_is_what_failed(monkeypatch, rf):
    def broken(*args, **kwargs):
        raise DatabaseError("the database is down")

    monkeypatch.setattr(core_views, "render_to_string", broken)
    response = core_views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"<title>" in response.content
