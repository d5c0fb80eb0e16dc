"""A partner's workspace: its shelf in the catalogue, its authors' group with
page permissions on that shelf only, and its own media collection. Creating a
partner in the admin sets all of it up (courses.signals); every function here
is idempotent, so seeding, imports and re-saves can call it again."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q, QuerySet
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
)

from content.models import Partner
from lms.core.permissions import held, permission

from .models import CoursePage, PartnerPage
from .review import ensure_review_workflow
from .site_tree import ensure_catalogue

EDITORS_GROUP = "Platform editors"
REVIEW_PERMISSION = "review_partner_work"
AUTHOR_PAGE_PERMISSIONS = ("add_page", "change_page")  # never publish: that is review
EDITOR_PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "bulk_delete_page",
    "lock_page",
    "unlock_page",
)
MEDIA_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
}
EDITOR_MEDIA_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image", "delete_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document", "delete_document"),
}


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def author_group_name(partner: Partner) -> str:
    return f"{partner.name} authors"[:150]


@transaction.atomic
def provision_partner(partner: Partner) -> Partner:
    catalogue = ensure_catalogue()
    shelf = _ensure_shelf(partner, catalogue)
    collection = _ensure_collection(partner)
    group = _ensure_author_group(partner)
    if (partner.author_group_id, partner.collection_id) != (group.pk, collection.pk):
        Partner.objects.filter(pk=partner.pk).update(author_group=group, collection=collection)
        partner.author_group, partner.collection = group, collection

    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for codename in AUTHOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=shelf, permission=_permission("wagtailcore", codename)
        )
    for app_label, codenames in MEDIA_PERMISSIONS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(app_label, codename)
            )
    _move_courses_onto(shelf)
    _keep_private(collection, group, ensure_editors())
    return partner


def _keep_private(collection: Collection, *groups: Group) -> None:
    """Only the partner's authors and the platform editors (and superusers)
    may view the collection's files: Wagtail's document serve view and its
    admin API for images and documents honour this restriction."""
    restriction = CollectionViewRestriction.objects.filter(collection=collection).first()
    if restriction is None or restriction.restriction_type != CollectionViewRestriction.GROUPS:
        CollectionViewRestriction.objects.filter(collection=collection).delete()
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
    restriction.groups.set(groups)


def _ensure_shelf(partner: Partner, catalogue) -> PartnerPage:
    shelf = PartnerPage.objects.filter(partner=partner).first()
    if shelf is None:
        shelf = PartnerPage(title=partner.name, slug=_free_slug(catalogue, partner.slug))
        shelf.partner = partner
        catalogue.add_child(instance=shelf)
        shelf.save_revision().publish()
    elif shelf.title != partner.name:
        shelf.title = partner.name
        shelf.save_revision().publish()
    return shelf


def _free_slug(parent, slug: str) -> str:
    taken = set(parent.get_children().values_list("slug", flat=True))
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _ensure_collection(partner: Partner) -> Collection:
    collection = partner.collection
    if collection is None:
        root = _root_collection()
        collection = Collection.objects.child_of(root).filter(name=partner.name).first()
        collection = collection or root.add_child(name=partner.name)
    elif collection.name != partner.name:
        collection.name = partner.name
        collection.save()
    return collection


def _root_collection() -> Collection:
    """Wagtail's migration makes the root; an emptied test database lacks it."""
    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def _ensure_author_group(partner: Partner) -> Group:
    group = partner.author_group
    name = author_group_name(partner)
    if group is None:
        group, _ = Group.objects.get_or_create(name=name)
    elif group.name != name:
        group.name = name
        group.save()
    return group


def _move_courses_onto(shelf: PartnerPage) -> None:
    """Courses of this partner that sit anywhere but its shelf (an older tree
    had them straight under the catalogue) move onto the shelf."""
    for course in CoursePage.objects.filter(partner_id=shelf.partner_id).exclude(
        path__startswith=shelf.path
    ):
        course.move(shelf, pos="last-child")


def ensure_editors() -> Group:
    """The platform editors: they review partners' work and publish it."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.add(review_permission())
    catalogue = ensure_catalogue()
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for codename in EDITOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=catalogue, permission=_permission("wagtailcore", codename)
        )
    root = _root_collection()
    for app_label, codenames in EDITOR_MEDIA_PERMISSIONS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=_permission(app_label, codename)
            )
    ensure_review_workflow(catalogue, group)
    return group


def provision_all_partners() -> None:
    for partner in Partner.objects.all():
        provision_partner(partner)


# Who sees which partner's work in the admin's reports.


def review_permission():
    """What makes a platform editor: the role is checked by this permission,
    which the editors' group holds, never by the group's name."""
    return permission(
        "courses", "coursepage", REVIEW_PERMISSION, "Can review and publish every partner's work"
    )


def is_platform_editor(user) -> bool:
    return user.is_active and (user.is_superuser or held(user, "courses", REVIEW_PERMISSION))


def partners_for_user(user) -> QuerySet[Partner]:
    """Every partner for platform editors and superusers; otherwise the
    partners whose author group the user belongs to (usually one)."""
    if not user.is_authenticated:
        return Partner.objects.none()
    if is_platform_editor(user):
        return Partner.objects.all()
    return Partner.objects.filter(author_group__in=user.groups.all())


def has_partner(user) -> bool:
    """Whether the user works on any partner's courses (author or editor)."""
    return partners_for_user(user).exists()


def hidden_page_ids(user) -> list[int]:
    """Pages this user may not see named in the admin (choosers, explorer,
    reports, bulk actions): none for platform editors; otherwise every page
    off their own partners' shelves that is a draft or has unpublished changes
    (its draft title would show). Live pages with nothing pending are public."""
    if user.is_authenticated and is_platform_editor(user):
        return []
    own = pages_of(partners_for_user(user)).values("pk")
    pending = Page.objects.filter(Q(live=False) | Q(has_unpublished_changes=True))
    return list(pending.exclude(pk__in=own).values_list("pk", flat=True))


def visible_pages(user, pages: QuerySet[Page]) -> QuerySet[Page]:
    """`pages` without those hidden from this user. A plain id exclusion, so
    Wagtail's search backends can apply it to search results too."""
    hidden = hidden_page_ids(user)
    return pages.exclude(id__in=hidden) if hidden else pages


def pages_of(partners) -> QuerySet[Page]:
    """The pages on these partners' shelves (shelves excluded)."""
    shelves = PartnerPage.objects.filter(partner__in=partners)
    query = None
    for shelf in shelves:
        clause = Page.objects.filter(path__startswith=shelf.path, depth__gt=shelf.depth)
        query = clause if query is None else query | clause
    return query if query is not None else Page.objects.none()
