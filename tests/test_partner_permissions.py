"""Partner A's author against partner B's pages, through the Wagtail admin's
own URLs: no drafts, edits, moves, deletes or publishing across partners."""

import pytest
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Task

from courses.models import CoursePage, LessonPage
from courses.review import TASK_NAME

from .partner_fixtures import lesson_form

pytestmark = pytest.mark.django_db


def course_of(partner) -> CoursePage:
    return CoursePage.objects.child_of(partner.shelf).order_by("path").first()


def lesson_of(partner) -> LessonPage:
    return LessonPage.objects.child_of(course_of(partner)).order_by("path").first()


def urls_about(page: Page, parent: Page, destination: Page) -> dict[str, str]:
    return {
        "edit": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        "view_draft": reverse("wagtailadmin_pages:view_draft", args=[page.pk]),
        "preview": reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk]),
        "revisions": reverse("wagtailadmin_pages:revisions_index", args=[page.pk]),
        "history": reverse("wagtailadmin_pages:history", args=[page.pk]),
        "delete": reverse("wagtailadmin_pages:delete", args=[page.pk]),
        "unpublish": reverse("wagtailadmin_pages:unpublish", args=[page.pk]),
        "move": reverse("wagtailadmin_pages:move", args=[page.pk]),
        "move_confirm": reverse("wagtailadmin_pages:move_confirm", args=[page.pk, destination.pk]),
        "copy": reverse("wagtailadmin_pages:copy", args=[page.pk]),
        "lock": reverse("wagtailadmin_pages:lock", args=[page.pk]),
        "privacy": reverse("wagtailadmin_pages:set_privacy", args=[page.pk]),
        "add_lesson": reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", parent.pk]),
        "add_subpage": reverse("wagtailadmin_pages:add_subpage", args=[parent.pk]),
        "revision": reverse(
            "wagtailadmin_pages:revisions_view", args=[page.pk, page.latest_revision_id]
        ),
        "compare": reverse(
            "wagtailadmin_pages:revisions_compare",
            args=[page.pk, "live", page.latest_revision_id],
        ),
        "workflow_history": reverse("wagtailadmin_pages:workflow_history", args=[page.pk]),
        "workflow_preview": reverse(
            "wagtailadmin_pages:workflow_preview",
            args=[page.pk, Task.objects.get(name=TASK_NAME).pk],
        ),
        "usage": reverse("wagtailadmin_pages:usage", args=[page.pk]),
    }


def test_author_cannot_touch_another_partners_pages(clients, partners):
    a, b = partners
    b_lesson = lesson_of(b)
    b_lesson.title = "Meridian secret draft title"
    b_lesson.save_revision()
    b_lesson.refresh_from_db()
    before = LessonPage.objects.get(pk=b_lesson.pk)
    author_a = clients["author_a"]
    outcomes = {}
    for name, url in urls_about(b_lesson, course_of(b), course_of(a)).items():
        get = author_a.get(url)
        post = author_a.post(url, {"new_title": "x", "new_slug": "x", "action-publish": "1"})
        outcomes[name] = (get.status_code, post.status_code)
        for response in (get, post):
            assert "Meridian secret draft title" not in response.content.decode(), name
    refused = {name: codes for name, codes in outcomes.items() if set(codes) - {403, 404, 405, 302}}
    assert not refused, refused
    after = LessonPage.objects.get(pk=b_lesson.pk)
    assert (after.path, after.live, after.title, after.latest_revision_id) == (
        before.path,
        before.live,
        before.title,
        before.latest_revision_id,
    )
    assert LessonPage.objects.filter(pk=b_lesson.pk).exists()


def test_author_explorer_and_search_show_only_their_shelf(clients, partners):
    a, b = partners
    author_a = clients["author_a"]
    listing = author_a.get(reverse("wagtailadmin_explore", args=[a.shelf.pk]))
    assert listing.status_code == 200
    assert course_of(a).title in listing.content.decode()
    other = author_a.get(reverse("wagtailadmin_explore", args=[b.shelf.pk]))
    assert other.status_code in (302, 403, 404) or course_of(b).title not in other.content.decode()
    for owner in (a, b):  # author A finds their own course, and never partner B's
        course = course_of(owner)
        response = author_a.get(reverse("wagtailadmin_pages:search"), {"q": course.title})
        assert response.status_code == 200
        html = response.content.decode()
        edit_url = reverse("wagtailadmin_pages:edit", args=[course.pk])
        assert (edit_url in html) is (owner == a), owner
        explore_url = reverse("wagtailadmin_explore", args=[course.pk])
        assert (f'href="{explore_url}"' in html) is (owner == a), owner


def test_author_edits_own_pages_but_cannot_publish(clients, partners):
    a, _ = partners
    lesson = lesson_of(a)
    author_a = clients["author_a"]
    edit_url = reverse("wagtailadmin_pages:edit", args=[lesson.pk])
    page = author_a.get(edit_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="action-publish"' not in html
    assert 'name="action-submit"' in html  # "Submit to Platform editor review"
    live_title = lesson.title
    data = lesson_form("Changed by the author", lesson.slug, action="action-publish")
    author_a.post(edit_url, data)
    lesson.refresh_from_db()
    assert lesson.title == live_title  # nothing went live
    # Saving a draft works; it stays a draft until an editor approves it.
    response = author_a.post(edit_url, lesson_form("Changed by the author", lesson.slug))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.title == live_title
    assert lesson.get_latest_revision_as_object().title == "Changed by the author"


def test_author_can_add_a_course_only_on_their_shelf(clients, partners):
    a, b = partners
    author_a = clients["author_a"]
    own = author_a.get(
        reverse("wagtailadmin_pages:add", args=["courses", "coursepage", a.shelf.pk])
    )
    assert own.status_code == 200
    other = author_a.get(
        reverse("wagtailadmin_pages:add", args=["courses", "coursepage", b.shelf.pk])
    )
    assert other.status_code in (302, 403, 404)


def png():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.images.tests.utils import get_test_image_file

    return SimpleUploadedFile("chart.png", get_test_image_file().file.getvalue(), "image/png")


def test_author_uploads_images_only_to_their_collection(clients, partners):
    a, b = partners
    author_a = clients["author_a"]
    add = author_a.get(reverse("wagtailimages:add"))
    assert add.status_code == 200
    assert b.name not in add.content.decode()
    for collection in (a.collection, b.collection, Collection.get_first_root_node()):
        author_a.post(
            reverse("wagtailimages:add"),
            {"title": "chart", "file": png(), "collection": collection.pk},
        )
    images = get_image_model().objects.filter(title="chart")
    assert images.count() == 3
    assert {image.collection for image in images} == {a.collection}
    assert Collection.objects.filter(name=a.name).count() == 1


def test_learner_cannot_reach_the_admin(clients, partners):
    a, _ = partners
    learner = clients["learner"]
    for url in (
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_pages:edit", args=[lesson_of(a).pk]),
        reverse("wagtailadmin_explore", args=[a.shelf.pk]),
    ):
        response = learner.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert "/admin/" not in response["Location"] or "login" in response["Location"]


def test_creating_a_partner_in_the_admin_sets_up_its_workspace(admin_client, library):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    from content.models import Partner

    url = reverse("wagtailsnippets_content_partner:add")
    response = admin_client.post(
        url,
        {"name": "Canalside University", "slug": "canalside", "website": "", "description": ""},
    )
    assert response.status_code == 302
    partner = Partner.objects.get(slug="canalside")
    group = Group.objects.get(name="Canalside University authors")
    assert partner.author_group == group
    assert partner.shelf.get_parent().specific_class.__name__ == "CataloguePage"
    assert partner.shelf.live
    assert set(
        GroupPagePermission.objects.filter(group=group).values_list(
            "page_id", "permission__codename"
        )
    ) == {(partner.shelf.pk, "add_page"), (partner.shelf.pk, "change_page")}
    assert partner.collection.name == "Canalside University"
    assert set(
        GroupCollectionPermission.objects.filter(group=group).values_list(
            "collection_id", flat=True
        )
    ) == {partner.collection.pk}
    assert group.permissions.filter(codename="access_admin").exists()
    # Renaming the partner renames its workspace; nothing is duplicated.
    edit = reverse("wagtailsnippets_content_partner:edit", args=[partner.pk])
    admin_client.post(
        edit, {"name": "Canalside Uni", "slug": "canalside", "website": "", "description": ""}
    )
    partner.refresh_from_db()
    assert partner.author_group.name == "Canalside Uni authors"
    assert partner.collection.name == "Canalside Uni"
    assert Group.objects.filter(name__startswith="Canalside").count() == 1


def test_platform_editor_edits_and_publishes_any_partners_pages(clients, partners):
    for partner in partners:
        lesson = lesson_of(partner)
        edit_url = reverse("wagtailadmin_pages:edit", args=[lesson.pk])
        assert clients["editor"].get(edit_url).status_code == 200
        data = lesson_form(f"Edited for {partner.name}", lesson.slug, action="action-publish")
        assert clients["editor"].post(edit_url, data).status_code == 302
        lesson.refresh_from_db()
        assert lesson.live and lesson.title == f"Edited for {partner.name}"


def test_a_partners_shelf_shows_learners_that_partners_courses(client, partners):
    a, b = partners
    response = client.get(a.shelf.url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert course_of(a).title in html
    assert course_of(b).title not in html
