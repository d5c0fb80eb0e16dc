"""Every URL the project and Wagtail register, requested as every role, with
the ids of another partner's and another programme's objects put in: never a
500, never another partner's unpublished title or media, never another
programme's name, and no session that allauth did not create.

The URL list comes from `get_resolver()`, so a URL added later is swept too."""

import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import user_logged_in
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.admin.views import account
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from courses.models import CoursePage, LessonPage
from lms.cohorts.access import COHORT_MANAGERS, PROGRAMME_ADMINS, ensure_roles
from lms.cohorts.models import Cohort, Programme, Sponsorship
from lms.equity.access import ensure_equity_analysts
from lms.pathways.models import Pathway
from tests.factories import staff_user
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.django_db

B_COURSE = "Meridian unpublished course 7f3a"
B_LESSON = "Meridian unpublished lesson 7f3a"
B_IMAGE = "Meridian private image 7f3a"
B_DOCUMENT = "Meridian private document 7f3a"
B_DOCUMENT_TEXT = "contents of a private document 7f3a"
B_PROGRAMME = "Other programme 7f3a"
B_COHORT = "Other cohort 7f3a"
B_EMPLOYER = "Other employer 7f3a"
PARTNER_SECRETS = (B_COURSE, B_LESSON, B_IMAGE, B_DOCUMENT, B_DOCUMENT_TEXT)
PROGRAMME_SECRETS = (B_PROGRAMME, B_COHORT, B_EMPLOYER)

# Who may see what: editors and superusers see every partner's work; programme
# admins and superusers see every programme.
SEES_PARTNER_B = {"editor", "superuser"}
SEES_PROGRAMME_B = {"programme_admin", "analyst", "superuser"}
ROLES = [
    "anonymous",
    "learner",
    "author_a",
    "editor",
    "manager_a",
    "programme_admin",
    "analyst",
    "superuser",
    "sponsor_a",
]


@dataclass
class World:
    ids: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    document_filename: str = ""
    b_draft_path: str = ""


@pytest.fixture
def world(library, django_user_model):
    from content.models import Partner

    ensure_roles()
    analysts = ensure_equity_analysts()
    a = Partner.objects.get(slug="northfield-college")
    b = Partner.objects.get(slug="meridian-university")
    course = CoursePage(
        title=B_COURSE, slug="meridian-unpublished-7f3a", summary="Draft.", live=False, partner=b
    )
    b.shelf.add_child(instance=course)
    course.save_revision()
    lesson = LessonPage(
        title=B_LESSON, slug="unpublished-lesson", summary="Draft.", body=[], live=False
    )
    course.add_child(instance=lesson)
    lesson.save_revision()
    image = get_image_model().objects.create(
        title=B_IMAGE, file=get_test_image_file(), collection=b.collection
    )
    document = get_document_model().objects.create(
        title=B_DOCUMENT,
        file=ContentFile(B_DOCUMENT_TEXT.encode(), name="private-7f3a.txt"),
        collection=b.collection,
    )
    pathway = Pathway.objects.filter(live=True).order_by("pk").first()
    ours = Programme.objects.create(name="Our programme")
    theirs = Programme.objects.create(name=B_PROGRAMME)
    cohort_a = Cohort.objects.create(
        name="Our cohort", programme=ours, starts_on="2026-01-05", ends_on="2026-03-30",
        pathway=pathway,
    )  # fmt: skip
    cohort_b = Cohort.objects.create(
        name=B_COHORT, programme=theirs, starts_on="2026-01-05", ends_on="2026-03-30",
        pathway=pathway, organisation=B_EMPLOYER,
    )  # fmt: skip
    cohort_a.organisation = "Our employer"
    cohort_a.save()

    def staff(email, *groups, superuser=False):
        user = staff_user(*groups, email=email)
        if superuser:
            user.is_superuser = user.is_staff = True
            user.save()
        return user

    users = {
        "learner": make_learner(django_user_model, "learner@example.com"),
        "author_a": staff("author@northfield.example.com", a.author_group),
        "author_b": staff("author@meridian.example.com", b.author_group),
        "editor": staff("editor@platform.example.com", Group.objects.get(name="Platform editors")),
        "manager_a": staff("manager@ours.example.com", Group.objects.get(name=COHORT_MANAGERS)),
        "programme_admin": staff(
            "admin@programme.example.com", Group.objects.get(name=PROGRAMME_ADMINS)
        ),
        "analyst": staff("analyst@programme.example.com", analysts),
        "superuser": staff("root@platform.example.com", superuser=True),
        "sponsor_a": make_learner(django_user_model, "sponsor@ours.example.com"),
        "sponsor_b": make_learner(django_user_model, "sponsor@theirs.example.com"),
    }
    cohort_a.managers.add(users["manager_a"])
    Sponsorship.objects.create(user=users["sponsor_a"], organisation="Our employer")
    sponsorship_b = Sponsorship.objects.create(user=users["sponsor_b"], organisation=B_EMPLOYER)
    return World(
        ids={
            "page": course.pk,
            "lesson": lesson.pk,
            "shelf": b.shelf.pk,
            "image": image.pk,
            "document": document.pk,
            "collection": b.collection_id,
            "cohort": cohort_b.pk,
            "programme": theirs.pk,
            "user": users["author_b"].pk,
            "partner": b.pk,
            "sponsorship": sponsorship_b.pk,
        },
        users=users,
        document_filename=document.filename,
        b_draft_path=course.url_path,
    )


# Building a concrete URL for each pattern.

CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def flatten(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from flatten(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def kind_of(route: str) -> str:
    for word, kind in [
        ("image", "image"), ("document", "document"), ("collection", "collection"),
        ("cohort", "cohort"), ("programme", "programme"), ("user", "user"),
        ("partner", "partner"), ("team", "sponsorship"), ("sponsors", "sponsorship"),
    ]:  # fmt: skip
        if word in route:
            return kind
    return "page"


def value_for(world: World, route: str, converter: str | None, name: str) -> str:
    if name in {"app_label"}:
        return "courses"
    if name in {"model_name"}:
        return "lessonpage"
    if name in {"document_filename", "filename"}:
        return world.document_filename
    if converter in {"int", None} and (name.endswith("id") or name == "pk" or converter == "int"):
        if "lesson" in name:
            return str(world.ids["lesson"])
        return str(world.ids[kind_of(route) if name in {"pk", "id"} else "page"])
    if name == "pk":
        return str(world.ids[kind_of(route)])
    if converter == "uuid":
        return "0b0b0b0b-0000-4000-8000-000000000000"  # a well-formed number nothing has
    return "x"


def concrete(world: World, route: str) -> str | None:
    if "^" in route or "(?" in route or "\\" in route:
        # Regular expressions: Wagtail's page serving (swept with real page paths
        # below), static media and catch-alls.
        return None
    return "/" + CONVERTER.sub(
        lambda m: value_for(world, route, m.group("converter"), m.group("name")), route
    )


def every_url(world: World) -> list[str]:
    urls = {
        url for route in flatten(get_resolver().url_patterns) if (url := concrete(world, route))
    }
    # Page serving: the other partner's draft course and lesson, and their shelf.
    urls |= {"/courses/", "/courses/meridian-university/", "/courses/meridian-university/"
             "meridian-unpublished-7f3a/", "/courses/meridian-university/meridian-unpublished-7f3a/"
             "unpublished-lesson/"}  # fmt: skip
    # The findings that were reported, with their query strings.
    page = world.ids["page"]
    urls |= {
        "/admin/choose-page/search/?q=7f3a",
        f"/admin/choose-page/{world.ids['shelf']}/",
        f"/admin/bulk/wagtailcore/page/delete/?id={page}",
        f"/admin/bulk/wagtailcore/page/publish/?id={page}",
        f"/admin/bulk/wagtailcore/page/move/?id={page}",
        f"/admin/bulk/wagtailcore/page/unpublish/?id={page}",
        "/admin/api/main/images/",
        "/admin/api/main/documents/",
        f"/admin/api/main/pages/?child_of={world.ids['shelf']}",
        "/admin/api/main/pages/?search=7f3a",
        "/admin/reports/page-types-usage/",
        "/admin/images/?q=7f3a",
        "/admin/documents/?q=7f3a",
        "/admin/pages/search/?q=7f3a",
        "/admin/choose-image/?q=7f3a",
        "/admin/choose-document/?q=7f3a",
        f"/documents/{world.ids['document']}/{world.document_filename}",
    }
    return sorted(urls)


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.fixture
def sessions_outside_allauth():
    """Every sign-in during the sweep, with whether allauth made it."""
    import inspect

    found = []

    def record(sender, request, user, **kwargs):
        frames = [frame.filename for frame in inspect.stack()]
        if not any("/allauth/" in name for name in frames):
            found.append((request.path, user.email))

    user_logged_in.connect(record, dispatch_uid="sweep")
    yield found
    user_logged_in.disconnect(dispatch_uid="sweep")


def client_as(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_url_as_every_role(world, role, sessions_outside_allauth):
    client = client_as(world, role)
    sessions_outside_allauth.clear()  # force_login above is the test's own
    secrets = ()
    if role not in SEES_PARTNER_B:
        secrets += PARTNER_SECRETS
    if role not in SEES_PROGRAMME_B:
        secrets += PROGRAMME_SECRETS
    problems = []
    for url in every_url(world):
        if "logout" in url:
            continue  # would end this role's session for the rest of the sweep
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        body = body_of(response)
        problems += [f"{url}: shows {secret!r}" for secret in secrets if secret in body]
    assert not problems, "\n".join(problems)
    assert not sessions_outside_allauth


def test_no_url_signs_anyone_in_with_a_password_alone(world, sessions_outside_allauth):
    """An attacker who knows a superuser's password POSTs it to every URL: no
    session is created anywhere (allauth's own sign-in stops at the code)."""
    root = world.users["superuser"]
    credentials = {
        "username": root.email, "login": root.email, "email": root.email,
        "password": "pw-" + root.email, "password1": "pw-" + root.email,
    }  # fmt: skip
    problems = []
    for url in every_url(world):
        client = Client(raise_request_exception=False)
        response = client.post(url, credentials)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        if "_auth_user_id" in client.session:
            problems.append(f"{url}: signed in")
    assert not problems, "\n".join(problems)
    assert not sessions_outside_allauth


def authenticating(view) -> bool:
    """Whether a view can create a session from what it is posted."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        if issubclass(view_class, auth_views.LoginView | account.LoginView):
            return True
        if issubclass(view_class, auth_views.PasswordResetConfirmView):
            return bool(getattr(view_class, "post_reset_login", False))
        return False


def test_the_only_views_that_can_sign_in_are_allauths(world):
    """Every URL pattern, resolved as a request would be: any view reached that
    can authenticate must be allauth's (ours stand in for the others)."""
    from django.urls import resolve

    found = []
    for url in every_url(world):
        match = resolve(url.split("?")[0])
        view = match.func
        module = getattr(getattr(view, "view_class", view), "__module__", "")
        if authenticating(view) and not module.startswith("allauth."):
            found.append(f"{url} -> {module}.{getattr(view, '__name__', view)}")
    assert not found, "\n".join(found)


def test_private_pages_send_visitors_to_allauths_sign_in(library, client):
    from wagtail.models import PageViewRestriction

    course = CoursePage.objects.live().order_by("path").first()
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(course.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_partners_document_is_served_to_its_authors_and_editors_only(world):
    url = f"/documents/{world.ids['document']}/{world.document_filename}"
    for role in ("author_b", "editor", "superuser"):
        response = client_as(world, role).get(url)
        assert response.status_code == 200, role
        assert B_DOCUMENT_TEXT in body_of(response), role
    for role in ("anonymous", "learner", "author_a", "manager_a", "programme_admin", "analyst"):
        response = client_as(world, role).get(url)
        assert response.status_code in (302, 403, 404), role
        assert B_DOCUMENT_TEXT not in body_of(response), role
