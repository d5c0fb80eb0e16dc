"""Deleting an account deletes the person.

One learner touches every feature (invitation and cohort, sign-up, onboarding
with ratings, lessons, answers, a certificate, nudges with a click, equity
answers, the CPD log, two-factor, a single sign-on link, Wagtail's admin
profile, audit rows about them, several sessions), then deletes their account
through the real page. Then every text, char and JSON column of every table in
the database, found by introspection, is searched for their email address,
their name and a marker written into their free text: zero rows. Every column
pointing at the user model holds their id nowhere, and no session is theirs.

A second test finds, by introspection, every model with a foreign key,
one-to-one or many-to-many to the user model and fails unless a registered
eraser (lms.core.personal_data) covers it: an app that forgets fails here."""

import re
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Comment, PageSubscription
from wagtail.users.models import UserProfile

from content.models import Sector, SeniorityLevel, Skill
from courses.models import CoursePage, LessonPage
from lms.accounts.personal_data import erase_sessions
from lms.certificates.models import Certificate
from lms.cohorts import services as cohorts
from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Invitation, Membership, Programme
from lms.core import personal_data
from lms.equity.models import AuditEntry, EquityProfile
from lms.nudges import links
from lms.nudges.models import Kind, Nudge, NudgePreference, Status
from lms.pathways.models import Pathway, PersonalPathway
from lms.progress.models import LearningEvent
from lms.progress.services import answer_check, complete_lesson, start_lesson
from lms.reviews.models import ReviewCard
from lms.reviews.services import shown_token
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db

EMAIL = "zephyrine.quillfeather@example.org"
FIRST, LAST = "Zephyrine", "Quillfeather"
MARKER = "MARKER-7f3c9d-free-text"
EMAILED_CODE = re.compile(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)$", re.MULTILINE)
TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def lessons_of(slug):
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def onboarding_data():
    data = {
        "seniority": SeniorityLevel.objects.get(slug="senior-leader").pk,
        "sector": Sector.objects.get(slug="health-tech").pk,
        "organisation_name": f"{MARKER} Ltd",
        "organisation_size": "50-249",
        "local_area": "",
        "time_zone": "Europe/London",
        # Asked only when missing: a name, and how often to email.
        "first_name": "Dana",
        "nudge_cadence": "weekly",
    }
    for skill in Skill.objects.all():
        data[f"rating_{skill.slug}"] = 2
    return data


def someone_else(django_user_model):
    """Another learner, so the scan shows their rows survive."""
    other = django_user_model.objects.create_user("bystander@example.org", first_name="Bea")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    complete_lesson(other, lessons_of("ai-for-the-board")[0])
    return other


def cohorts_with_invitations():
    ensure_roles()
    programme = Programme.objects.create(name="AI for SME leaders 2026")
    pathway = Pathway.objects.filter(live=True).order_by("pk").first()

    def cohort(name):
        return cohorts.save_cohort(
            name=name,
            programme=programme,
            starts_on=date(2026, 1, 5),
            ends_on=date(2026, 3, 30),
            pathway=pathway,
        )

    spring, autumn = cohort("Spring"), cohort("Autumn")
    rows, _ = cohorts.parse_invite_csv(f"name,email\n{FIRST} {LAST},{EMAIL.upper()}\n".encode())
    cohorts.invite(spring, rows)
    cohorts.invite(autumn, rows)  # invited, never joined: still about them
    return spring, autumn


def learner_who_touches_everything(django_user_model):
    """Signs up through a personal invitation and uses every feature."""
    spring, autumn = cohorts_with_invitations()
    invitation = Invitation.objects.get(cohort=spring)
    client = Client()
    response = client.get(f"/cohorts/invitation/{invitation.token}/")
    signup = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', response.content.decode())
    client.post(signup.group(1), {"email": EMAIL, "first_name": "Jo"})
    code = EMAILED_CODE.search([m for m in mail.outbox if EMAIL in m.to][-1].body).group(1)
    assert client.post("/accounts/confirm-email/", {"code": code}).status_code == 302
    user = get_user_model().objects.get(email=EMAIL)
    user.first_name, user.last_name = FIRST, LAST
    user.save()
    assert Membership.objects.filter(cohort=spring, user=user).exists()

    # Onboarding (profile with free text, self-check ratings, personal pathway).
    assert client.post("/onboarding/", onboarding_data()).status_code == 302
    # The optional equity questions, with consent.
    answers = {"age_band": "45_54", "sex": "female", "ethnic_group": "prefer_not"}
    assert client.post("/me/equity/", answers | {"consent": "on"}).status_code == 302
    # Nudge settings through the form.
    response = client.post(
        "/nudges/settings/",
        {"cadence": "weekly", "days": ["1"], "hour": "8", "kinds": ["next_lesson"]},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]

    # Lessons, answers and a certificate.
    board = lessons_of("ai-for-the-board")
    check = next(block for block in board[0].body if block.block_type == "knowledge_check")
    answer_check(user, board[0], check, ["1"], "attempt-1")
    # Its review card, answered in the dashboard's two-minute review.
    card = ReviewCard.objects.get(user=user)
    review_url = reverse("answer_review", args=[card.pk])
    assert client.post(review_url, {"answer": "1", "shown": shown_token(card)}).status_code == 200
    for lesson in board:
        complete_lesson(user, lesson)
    start_lesson(user, lessons_of("buying-ai-well")[0])
    assert Certificate.objects.get(user=user).learner_name == f"{FIRST} {LAST}"
    assert client.get("/me/cpd.csv").status_code == 200
    assert MARKER in client.get("/me/data.json").content.decode()

    # Nudges, one clicked from the email (which signs them in on another device).
    nudge = Nudge.objects.create(
        user=user,
        kind=Kind.NEXT_LESSON,
        period="2026-W48",
        due_at=timezone.now() - timedelta(hours=1),
        status=Status.SENT,
        sent_at=timezone.now() - timedelta(hours=1),
        lesson=board[0],
        reason=f"Because you, {FIRST}, lead in health tech",
        details={"to": EMAIL, "lessons": [board[0].pk]},
    )
    Nudge.objects.create(
        user=user,
        kind=Kind.STREAK_AT_RISK,
        period="2026-W49",
        due_at=timezone.now(),
        status=Status.FAILED,
        last_error=f"SMTPRecipientsRefused: {{'{EMAIL}': (550, b'No such user')}}",
    )
    phone = Client()
    assert phone.get(links.click_url(nudge).split("testserver", 1)[-1]).status_code == 302
    assert Nudge.objects.get(pk=nudge.pk).clicked_at is not None

    # Two-factor, single sign-on, Wagtail's admin profile.
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    account = SocialAccount.objects.create(
        user=user,
        provider="google",
        uid="108" + "4" * 18,
        extra_data={"email": EMAIL, "name": f"{FIRST} {LAST}", "given_name": FIRST},
    )
    SocialToken.objects.create(account=account, token=f"token-{MARKER}", token_secret="")
    UserProfile.get_for_user(user).save()
    EmailAddress.objects.create(user=user, email=f"{FIRST.lower()}@work.example", verified=False)

    # Cohort manager rights, audit rows about them (Django's and Wagtail's
    # admin logs, written when an admin edits the account) and by them (an
    # equity report they looked at as an analyst).
    spring.managers.add(user)
    admin = django_user_model.objects.create_superuser("admin@example.org", "pw-admin-123")
    LogEntry.objects.log_actions(admin.pk, [user], CHANGE, change_message=f"Renamed {FIRST}")
    log(instance=user, action="wagtail.edit", user=admin)
    AuditEntry.objects.create(
        user=user, user_email=EMAIL, action=AuditEntry.Action.VIEW, filters={"cohort": "Spring"}
    )
    return user, client, phone


def text_columns():
    """(table, column) for every text-like column of every table, found by
    introspection (SQLite FTS columns have no type: they are text too)."""
    introspection = connection.introspection
    found = []
    with connection.cursor() as cursor:
        tables = introspection.table_names(cursor)
        for table in tables:
            for column in introspection.get_table_description(cursor, table):
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:
                    kind = "TextField"
                if kind in TEXT_TYPES:
                    found.append((table, column.name))
    model_tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    assert model_tables <= set(tables), model_tables - set(tables)
    return found


def rows_mentioning(needle: str) -> list[tuple[str, str, int]]:
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} "
                f"WHERE LOWER(CAST({quote(column)} AS TEXT)) LIKE %s",
                [f"%{needle.lower()}%"],
            )
            (count,) = cursor.fetchone()
            if count:
                hits.append((table, column, count))
    return hits


def columns_pointing_at_the_user():
    user_model = get_user_model()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_fields:
            if field.is_relation and field.related_model is user_model:
                yield model, field


def test_deleting_an_account_leaves_nothing_of_the_person_in_any_table(django_user_model, library):
    bystander = someone_else(django_user_model)
    user, client, phone = learner_who_touches_everything(django_user_model)
    pk = user.pk
    needles = (EMAIL, FIRST, LAST, MARKER)
    before = {needle: rows_mentioning(needle) for needle in needles}
    # The scan sees the person everywhere they are today (so it can see at all).
    seen = {table for hits in before.values() for table, _, _ in hits}
    assert {
        "accounts_user",
        "account_emailaddress",
        "cohorts_invitation",
        "learners_learnerprofile",
        "certificates_certificate",
        "nudges_nudge",
        "socialaccount_socialaccount",
        "equity_auditentry",
        "django_admin_log",
        "wagtailcore_modellogentry",
    } <= seen, seen
    events = LearningEvent.objects.filter(user=user).count()
    assert Session.objects.count() >= 2

    response = client.post("/me/delete/", {"email": EMAIL}, follow=True)
    assert response.redirect_chain[-1] == ("/", 302)

    assert {needle: rows_mentioning(needle) for needle in needles} == {
        needle: [] for needle in needles
    }
    for model, field in columns_pointing_at_the_user():
        assert not model._base_manager.filter(**{field.attname: pk}).exists(), (model, field)
    for session in Session.objects.all():
        assert session.get_decoded().get(SESSION_KEY) != str(pk)
    assert phone.get("/me/data/").status_code == 302  # signed out on the other device too
    # What stays is anonymous: learning events, nudge counts, the audit rows.
    assert LearningEvent.objects.filter(user=None).count() >= events
    assert Nudge.objects.filter(user=None).count() == 2
    audit = AuditEntry.objects.get(user=None)
    assert audit.user_email.startswith("Deleted account ")
    assert LogEntry.objects.get(object_id=str(pk)).object_repr == "Deleted account"
    # Nobody else lost anything.
    assert type(bystander).objects.filter(pk=bystander.pk).exists()
    assert LearningEvent.objects.filter(user=bystander).exists()
    assert not Authenticator.objects.exists() and not EquityProfile.objects.exists()
    assert not NudgePreference.objects.exists() and not PersonalPathway.objects.exists()


def models_with_a_relation_to_the_user() -> set[str]:
    user_model = get_user_model()
    found = set()
    for model in apps.get_models():
        fields = [*model._meta.local_fields, *model._meta.local_many_to_many]
        if any(field.is_relation and field.related_model is user_model for field in fields):
            found.add(model._meta.label)
    return found


def test_every_model_pointing_at_the_user_has_a_registered_eraser():
    pointing = models_with_a_relation_to_the_user()
    # The check can see: our apps, allauth's and Wagtail's models are among them.
    assert {"learners.LearnerProfile", "mfa.Authenticator", "wagtailcore.Revision"} <= pointing
    covered = personal_data.covered_models()
    assert pointing - set(covered) == set()
    # Every label an app claims is a real model (no typo hides a gap).
    for label in covered:
        apps.get_model(label)


def test_the_check_catches_an_app_that_forgets(monkeypatch):
    monkeypatch.setattr(
        personal_data,
        "_sources",
        {k: v for k, v in personal_data._sources.items() if k != "nudges"},
    )
    missing = models_with_a_relation_to_the_user() - set(personal_data.covered_models())
    assert missing == {
        "nudges.Nudge",
        "nudges.NudgePreference",
        "nudges.HoldoutAssignment",
        "nudges.CalendarFeed",
    }


def test_every_app_with_a_user_relation_contributes_to_the_export(django_user_model, library):
    user, client, _ = learner_who_touches_everything(django_user_model)
    data = client.get("/me/data.json").json()
    for source in personal_data.sources():
        assert source.export is not None, source.app
    for section in (
        "account",
        "learner_profile",
        "self_checks",
        "lesson_progress",
        "knowledge_check_answers",
        "learning_events",
        "review_cards",
        "personal_pathway",
        "certificates",
        "nudge_preferences",
        "nudges",
        "cohorts",
        "cohort_invitations",
        "cohorts_managed",
        "equity_profile",
        "equity_report_audit",
    ):
        assert data[section], section
    assert data["admin_comments"] == []  # a learner writes none
    assert {row["cohort"] for row in data["cohort_invitations"]} == {"Spring", "Autumn"}
    assert data["learner_profile"]["organisation_name"] == f"{MARKER} Ltd"
    assert data["account"]["single_sign_on"][0]["details"]["name"] == f"{FIRST} {LAST}"
    assert {m["type"] for m in data["account"]["two_factor_methods"]} == {
        "TOTP Authenticator",
        "Recovery codes",
    }
    assert "secret" not in str(data["account"]["two_factor_methods"]).lower()
    assert data["cohorts_managed"] == ["Spring"]
    assert len(data["nudges"]) == 2 and data["nudges"][0]["clicked_at"]


def test_two_apps_exporting_the_same_section_is_an_error(monkeypatch, django_user_model):
    monkeypatch.setattr(personal_data, "_sources", dict(personal_data._sources))
    personal_data.register(
        "impostor",
        models=[],
        export=lambda user, *, build_url: {"certificates": []},
        erase=lambda user: None,
    )
    user = django_user_model.objects.create_user("someone@example.org")
    with pytest.raises(personal_data.RegistryError, match="certificates"):
        personal_data.export(user)


def test_erasing_is_all_or_nothing(monkeypatch, django_user_model, library):
    monkeypatch.setattr(personal_data, "_sources", dict(personal_data._sources))

    def fails(user):
        raise RuntimeError("an eraser failed")

    personal_data.register("failing", models=[], erase=fails)
    user = django_user_model.objects.create_user("someone@example.org")
    complete_lesson(user, lessons_of("ai-for-the-board")[0])
    with pytest.raises(RuntimeError):
        personal_data.erase(user)
    assert type(user).objects.filter(pk=user.pk).exists()
    assert LearningEvent.objects.filter(user=user).exists()


def test_a_wagtail_editor_is_erased_too(django_user_model, library):
    """Staff who edit in Wagtail leave revisions, log rows, comments and
    locks; the content and its history stay, the person does not."""
    editor = django_user_model.objects.create_user(EMAIL, first_name=FIRST, last_name=LAST)
    lesson = lessons_of("ai-for-the-board")[0]
    revision = lesson.save_revision(user=editor, log_action=True)
    LessonPage.objects.filter(pk=lesson.pk).update(owner=editor, locked=True, locked_by=editor)
    Comment.objects.create(page=lesson, user=editor, text=f"{MARKER} check this", contentpath="x")
    PageSubscription.objects.create(page=lesson, user=editor, comment_notifications=True)

    pk = editor.pk
    personal_data.erase(editor)

    revision.refresh_from_db()
    lesson.refresh_from_db()
    assert revision.user is None and lesson.owner is None and not lesson.locked
    assert rows_mentioning(MARKER) == [] and rows_mentioning(EMAIL) == []
    for model, field in columns_pointing_at_the_user():
        assert not model._base_manager.filter(**{field.attname: pk}).exists(), model
    assert settings.AUTH_USER_MODEL in personal_data.covered_models()


def test_signing_out_everywhere_ends_a_session_the_cache_holds(db):
    """Sessions are read from the cache (SESSION_ENGINE cached_db): erasing
    them deletes the cached copy too, so the next request is signed out."""
    user = UserFactory()
    client = signed_in(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert settings.SESSION_ENGINE.endswith("cached_db")
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None
    assert "/accounts/login/" not in client.get("/dashboard/").get("Location", "")
    assert erase_sessions(user) == 1
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is None
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")
