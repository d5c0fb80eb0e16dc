"""The partner workspace's own rules, checked directly: which pages each
person may see named in the admin, which pages are a partner's, and that
setting a workspace up twice leaves one of everything (the admin's views are
checked from the outside in test_partner_permissions and test_url_sweep)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    WorkflowPage,
)

from content.models import Partner
from courses.models import CoursePage, LessonPage, PartnerPage
from courses.workspace import (
    author_group_name,
    ensure_editors,
    hidden_page_ids,
    pages_of,
    provision_all_partners,
    provision_partner,
    review_permission,
    visible_pages,
)

pytestmark = pytest.mark.django_db


def shelf_of(partner) -> PartnerPage:
    return PartnerPage.objects.get(partner=partner)


def under(partner) -> set[int]:
    shelf = shelf_of(partner)
    return set(
        Page.objects.filter(path__startswith=shelf.path, depth__gt=shelf.depth).values_list(
            "pk", flat=True
        )
    )


@pytest.fixture
def pending(partners):
    """B (Meridian) has an unpublished lesson and a live lesson with a
    draft waiting; A (Northfield) has a lesson with a draft waiting too."""
    a, b = partners
    b_lessons = LessonPage.objects.descendant_of(shelf_of(b)).order_by("path")
    withdrawn, changed, untouched = b_lessons[0], b_lessons[1], b_lessons[2]
    withdrawn.unpublish()
    changed.title = "A draft title nobody else may read"
    changed.save_revision()
    own = LessonPage.objects.descendant_of(shelf_of(a)).order_by("path").first()
    own.save_revision()
    return {"withdrawn": withdrawn.pk, "changed": changed.pk, "live": untouched.pk, "own": own.pk}


def test_an_author_may_not_see_another_partners_drafts_but_sees_their_own(people, pending):
    hidden = hidden_page_ids(people["author_a"])
    assert all(isinstance(pk, int) for pk in hidden)
    assert {pending["withdrawn"], pending["changed"]} <= set(hidden)
    assert pending["live"] not in hidden  # live with nothing pending: public anyway
    assert pending["own"] not in hidden

    shown = set(visible_pages(people["author_a"], Page.objects.all()).values_list("pk", flat=True))
    assert pending["withdrawn"] not in shown and pending["changed"] not in shown
    assert {pending["live"], pending["own"]} <= shown


def test_platform_editors_see_everything_and_learners_or_visitors_no_drafts(people, pending):
    assert hidden_page_ids(people["editor"]) == []
    everything = Page.objects.all()
    assert visible_pages(people["editor"], everything).count() == everything.count()

    drafts = set(
        Page.objects.filter(live=False).values_list("pk", flat=True)
        | Page.objects.filter(has_unpublished_changes=True).values_list("pk", flat=True)
    )
    assert {pending["withdrawn"], pending["changed"], pending["own"]} <= drafts
    for someone in (people["learner"], AnonymousUser()):
        assert set(hidden_page_ids(someone)) == drafts


def test_pages_of_is_the_pages_on_those_shelves_without_the_shelves(partners):
    a, b = partners
    assert under(a) and under(b) and not under(a) & under(b)
    assert set(pages_of([a]).values_list("pk", flat=True)) == under(a)
    assert set(pages_of([a, b]).values_list("pk", flat=True)) == under(a) | under(b)
    assert not pages_of(Partner.objects.none()).exists()


def test_provisioning_twice_leaves_one_private_collection_for_authors_and_editors(partners):
    a, _ = partners
    restriction = CollectionViewRestriction.objects.get(collection=a.collection)
    assert restriction.restriction_type == CollectionViewRestriction.GROUPS
    assert set(restriction.groups.values_list("name", flat=True)) == {
        a.author_group.name,
        "Platform editors",
    }
    provision_partner(a)
    again = CollectionViewRestriction.objects.get(collection=a.collection)
    assert again.pk == restriction.pk


def test_a_password_restriction_on_a_partners_collection_becomes_the_groups_one(partners):
    a, _ = partners
    CollectionViewRestriction.objects.filter(collection=a.collection).delete()
    CollectionViewRestriction.objects.create(
        collection=a.collection,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="shared-secret",
    )
    provision_partner(a)
    (restriction,) = CollectionViewRestriction.objects.filter(collection=a.collection)
    assert restriction.restriction_type == CollectionViewRestriction.GROUPS
    assert restriction.groups.count() == 2


def test_a_new_partners_shelf_takes_its_slug_and_a_free_one_when_taken(catalogue):
    first = Partner.objects.create(name="Acme Skills Academy", slug="acme")
    assert shelf_of(first).slug == "acme" and shelf_of(first).title == "Acme Skills Academy"
    PartnerPage.objects.filter(partner=first).update(slug="coventry")
    second = Partner.objects.create(name="Coventry Institute of Technology", slug="coventry")
    assert shelf_of(second).slug == "coventry-2"


def test_an_author_group_name_fits_the_group_name_column():
    name = author_group_name(Partner(name="N" * 150))
    assert len(name) == 150 and name.startswith("N" * 140)


def test_provision_all_partners_sets_up_partners_saved_without_signals(catalogue):
    (partner,) = Partner.objects.bulk_create([Partner(name="Quiet Partner", slug="quiet")])
    assert not PartnerPage.objects.filter(partner=partner).exists()
    provision_all_partners()
    partner.refresh_from_db()
    assert shelf_of(partner).title == "Quiet Partner"
    assert partner.author_group.name == "Quiet Partner authors"
    assert Collection.objects.get(pk=partner.collection_id).name == "Quiet Partner"


def test_an_unpublished_page_with_nothing_pending_is_still_hidden_from_other_partners(
    people, partners
):
    _, b = partners
    lesson = LessonPage.objects.descendant_of(shelf_of(b)).order_by("path").first()
    Page.objects.filter(pk=lesson.pk).update(live=False, has_unpublished_changes=False)
    assert lesson.pk in hidden_page_ids(people["author_a"])


def test_renaming_a_partner_renames_its_shelf_group_and_collection_in_place(partners):
    a, _ = partners
    shelf, group, collection = shelf_of(a), a.author_group_id, a.collection_id
    a.name = "Northfield College of Technology"
    a.save()
    a.refresh_from_db()
    renamed = shelf_of(a)
    assert (renamed.pk, renamed.title) == (shelf.pk, "Northfield College of Technology")
    assert renamed.get_latest_revision().content["title"] == "Northfield College of Technology"
    assert (a.author_group_id, a.author_group.name) == (
        group,
        "Northfield College of Technology authors",
    )
    assert (a.collection_id, a.collection.name) == (collection, "Northfield College of Technology")
    revisions = renamed.revisions.count()
    provision_partner(a)  # nothing changed: nothing is republished
    assert shelf_of(a).revisions.count() == revisions


def test_a_collection_already_named_for_a_new_partner_becomes_its_collection(catalogue):
    root = Collection.get_first_root_node()
    waiting = root.add_child(name="Quiet Partner")
    (partner,) = Partner.objects.bulk_create([Partner(name="Quiet Partner", slug="quiet")])
    provision_partner(partner)
    assert partner.collection_id == waiting.pk
    assert Collection.objects.filter(name="Quiet Partner").count() == 1
    assert Collection.get_root_nodes().count() == 1


def test_a_course_left_off_its_shelf_moves_to_the_end_of_it(partners, catalogue):
    a, _ = partners
    shelf = shelf_of(a)
    stray = CoursePage.objects.child_of(shelf).order_by("path").first()
    stray.move(catalogue, pos="last-child")
    provision_partner(a)
    moved = CoursePage.objects.get(pk=stray.pk)
    assert moved.get_parent().pk == shelf.pk
    assert CoursePage.objects.child_of(shelf).order_by("path").last().pk == stray.pk
    other = CoursePage.objects.exclude(partner=a).first()
    assert other.get_parent().specific.partner_id == other.partner_id  # others stay put


def test_platform_editors_may_publish_the_catalogue_and_review_it(catalogue):
    # From nothing: no editors' group, no workflow on the catalogue, no task.
    Group.objects.filter(name="Platform editors").delete()
    WorkflowPage.objects.filter(page=catalogue).delete()
    GroupApprovalTask.objects.all().delete()
    editors = ensure_editors()
    assert editors.permissions.filter(codename="access_admin").exists()
    assert editors.permissions.filter(codename="review_partner_work").exists()
    on_catalogue = set(
        GroupPagePermission.objects.filter(group=editors, page=catalogue).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_page", "change_page", "publish_page"} <= on_catalogue
    root = Collection.get_first_root_node()
    on_media = set(
        GroupCollectionPermission.objects.filter(group=editors, collection=root).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_image", "delete_image", "add_document", "delete_document"} <= on_media
    workflow = catalogue.get_workflow()
    assert workflow is not None and workflow.name == "Platform editor review"
    task = workflow.tasks.first().specific
    assert list(task.groups.all()) == [editors]


def test_a_platform_editor_is_known_by_the_permission_not_the_group_name(people, pending):
    editor, someone = people["editor"], people["learner"]
    assert hidden_page_ids(editor) == []
    editors = editor.groups.get()
    editors.name = "Reviewers at the programme"  # renamed in the admin: still editors
    editors.save()
    assert hidden_page_ids(editor) == []
    # A group that only has the old name is not the role.
    someone.groups.add(Group.objects.create(name="Platform editors"))
    assert pending["withdrawn"] in hidden_page_ids(someone)
    editors.permissions.remove(review_permission())
    assert pending["withdrawn"] in hidden_page_ids(editor)
