"""Cohorts in the Wagtail admin: roles, CSV invitations (all or nothing, by
line, no duplicates), invitation emails sent once, members and their status."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from lms.cohorts import services
from lms.cohorts.access import (
    COHORT_MANAGERS,
    PROGRAMME_ADMINS,
    can_manage_cohorts,
    cohorts_for_user,
    ensure_roles,
)
from lms.cohorts.invitation_emails import send_invitation_emails
from lms.cohorts.models import Cohort, Membership, Programme
from lms.core.outbox import Status
from lms.pathways.models import Pathway
from lms.pathways.services import pathway_lessons
from lms.progress.services import complete_lesson
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(library, django_user_model, staff_client):
    ensure_roles()
    programme = Programme.objects.create(name="AI for SME leaders 2026")
    pathway = Pathway.objects.filter(live=True).order_by("pk").first()

    def cohort(name, **extra):
        return services.save_cohort(
            name=name,
            programme=programme,
            organisation="Northfield Chamber",
            starts_on=date(2026, 1, 5),
            ends_on=date(2026, 3, 30),
            pathway=pathway,
            **extra,
        )

    a, b = cohort("Spring A"), cohort("Spring B")
    admin_client = staff_client("programme_admin", email="admin@programme.example")
    client_a = staff_client("cohort_manager", email="a@manager.example")
    manager_a = client_a.user
    a.managers.add(manager_a)
    return {
        "programme": programme,
        "pathway": pathway,
        "a": a,
        "b": b,
        "admin": admin_client,
        "manager_a": manager_a,
        "client_a": client_a,
        "cohort": cohort,
    }


def csv_upload(text: str, name="people.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def refused(response) -> bool:
    """Wagtail answers a permission denied with a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def members_url(cohort):
    return f"/admin/cohorts/members/{cohort.pk}/"


def invite_url(cohort):
    return f"/admin/cohorts/invite/{cohort.pk}/"


# Roles and scope


def test_roles_are_created_idempotently_with_admin_access():
    first = ensure_roles()
    second = ensure_roles()
    assert {g.pk for g in first.values()} == {g.pk for g in second.values()}
    for group in second.values():
        assert group.permissions.filter(codename="access_admin").exists()
    assert Group.objects.get(name=PROGRAMME_ADMINS).permissions.filter(codename="add_cohort")
    assert not Group.objects.get(name=COHORT_MANAGERS).permissions.filter(codename="add_cohort")


def test_roles_are_checked_by_their_permission_not_the_group_name(setup, django_user_model):
    """A group is a role because of the permission it holds: renaming the
    group changes nothing, and a group without the permission gives nothing."""
    manager = setup["manager_a"]
    Group.objects.filter(name=COHORT_MANAGERS).update(name="Our cohort leads")
    assert can_manage_cohorts(manager) and list(cohorts_for_user(manager)) == [setup["a"]]
    other = make_learner(django_user_model, "lookalike@example.org")
    lookalike = Group.objects.create(name=PROGRAMME_ADMINS + " (old)")
    other.groups.add(lookalike)
    assert not can_manage_cohorts(other)
    lookalike.permissions.add(
        Group.objects.get(name=PROGRAMME_ADMINS).permissions.get(codename="manage_every_cohort")
    )
    assert can_manage_cohorts(other) and cohorts_for_user(other).count() == Cohort.objects.count()


def test_cohorts_for_user_by_role(setup, django_user_model):
    learner = make_learner(django_user_model, "someone@example.org")
    manager = setup["manager_a"]
    assert list(cohorts_for_user(manager)) == [setup["a"]]
    assert set(cohorts_for_user(django_user_model.objects.get(email="admin@programme.example")))
    assert cohorts_for_user(learner).count() == 0
    assert not can_manage_cohorts(learner)
    assert can_manage_cohorts(manager)


def test_programme_admin_lists_every_cohort(setup):
    response = setup["admin"].get("/admin/cohorts/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Spring A" in html and "Spring B" in html


def test_manager_of_cohort_a_cannot_see_or_change_cohort_b(setup):
    client, a, b = setup["client_a"], setup["a"], setup["b"]
    listing = client.get("/admin/cohorts/").content.decode()
    assert "Spring A" in listing and "Spring B" not in listing
    assert client.get(members_url(a)).status_code == 200
    assert client.get(members_url(b)).status_code == 404
    assert client.get(f"/admin/cohorts/edit/{b.pk}/").status_code == 404
    assert client.post(f"/admin/cohorts/edit/{b.pk}/", {"name": "Taken"}).status_code == 404
    assert client.get(f"/admin/cohorts/delete/{b.pk}/").status_code == 404
    assert client.get(invite_url(b)).status_code == 404
    response = client.post(invite_url(b), {"file": csv_upload("email\nx@example.org\n")})
    assert response.status_code == 404
    assert client.post(f"/admin/cohorts/join-link/{b.pk}/", {"open": "0"}).status_code == 404
    assert not b.invitations.exists()
    b.refresh_from_db()
    assert b.name == "Spring B" and b.join_link_open
    # Managers neither create cohorts nor manage programmes.
    for url in ("/admin/cohorts/new/", "/admin/programmes/"):
        assert refused(client.get(url)), url


def test_manager_edit_form_hides_who_manages(setup):
    html = setup["client_a"].get(f"/admin/cohorts/edit/{setup['a'].pk}/").content.decode()
    assert 'name="name"' in html
    assert 'name="managers"' not in html
    html = setup["admin"].get(f"/admin/cohorts/edit/{setup['a'].pk}/").content.decode()
    assert 'name="managers"' in html


def test_learner_gets_no_cohort_admin(setup, django_user_model):
    learner = make_learner(django_user_model, "learner@example.org")
    client = Client()
    client.force_login(learner)
    for url in ("/admin/cohorts/", members_url(setup["a"]), invite_url(setup["a"])):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert "/login" in response["Location"]


def test_anonymous_is_sent_to_sign_in(setup):
    response = Client().get(members_url(setup["a"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_admin_creates_a_cohort_and_dates_are_checked(setup):
    data = {
        "name": "Summer",
        "programme": setup["programme"].pk,
        "organisation": "Meridian",
        "starts_on": "2026-06-01",
        "ends_on": "2026-05-01",
        "pathway": setup["pathway"].pk,
        "deadline": "2026-05-15",
        "join_link_open": "on",
    }
    response = setup["admin"].post("/admin/cohorts/new/", data)
    assert response.status_code == 200
    assert "must end on or after" in response.content.decode()
    data.update(ends_on="2026-08-31", deadline="2026-08-01")
    response = setup["admin"].post("/admin/cohorts/new/", data)
    assert response.status_code == 302
    assert Cohort.objects.get(name="Summer").deadline == date(2026, 8, 1)


def test_save_cohort_refuses_a_deadline_before_the_start(setup):
    with pytest.raises(services.ValidationError):
        setup["cohort"]("Early", deadline=date(2025, 12, 1))


# CSV parsing


def test_csv_good_rows_with_bom_and_any_header_case():
    rows, problems = services.parse_invite_csv(
        "\ufeffName,EMAIL\r\nAda Lovelace,Ada@Example.org\r\n\r\nAlan,alan@example.org\r\n".encode()
    )
    assert problems == []
    assert [(r.line, r.email, r.name) for r in rows] == [
        (2, "ada@example.org", "Ada Lovelace"),
        (4, "alan@example.org", "Alan"),
    ]


def test_csv_email_only_header():
    rows, problems = services.parse_invite_csv(b"email\nx@example.org\n")
    assert not problems and rows[0].email == "x@example.org" and rows[0].name == ""


def test_csv_bad_rows_are_reported_by_line():
    text = (
        "name,email\nAda,ada@example.org\nNo Email,\nBad,not-an-email\nAda again,ADA@example.org\n"
    )
    rows, problems = services.parse_invite_csv(text.encode())
    assert [(p.line, p.message) for p in problems] == [
        (3, "The email address is missing."),
        (4, "“not-an-email” is not a valid email address."),
        (5, "ada@example.org is already on line 2."),
    ]


def test_csv_without_header_not_utf8_or_binary_is_refused():
    _, problems = services.parse_invite_csv(b"ada@example.org\n")
    assert problems[0].line == 1 and "column names" in problems[0].message
    _, problems = services.parse_invite_csv("email\nzoë@example.org\n".encode("latin-1"))
    assert "not UTF-8" in problems[0].message and problems[0].line == 2
    _, problems = services.parse_invite_csv(b"PK\x03\x04\x00\x00binary")
    assert "not a CSV file" in problems[0].message
    _, problems = services.parse_invite_csv(b"")
    assert "empty" in problems[0].message


@override_settings(COHORT_CSV_MAX_ROWS=3)
def test_csv_with_too_many_rows_is_refused():
    text = "email\n" + "".join(f"p{i}@example.org\n" for i in range(5))
    rows, problems = services.parse_invite_csv(text.encode())
    assert [(p.line, p.message) for p in problems] == [
        (5, "Too many rows: upload at most 3 people per file.")
    ]


# Uploading through the admin


def test_upload_with_any_bad_row_invites_nobody_and_lists_problems(setup):
    a = setup["a"]
    response = setup["client_a"].post(
        invite_url(a), {"file": csv_upload("name,email\nAda,ada@example.org\nBob,bob@\n")}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nobody was invited" in html
    assert "<td>3</td>" in html and "“bob@” is not a valid email address." in html
    assert not a.invitations.exists()
    assert mail.outbox == []


def test_upload_invites_emails_once_and_reupload_does_not_duplicate(
    setup, django_capture_on_commit_callbacks
):
    a = setup["a"]
    with_names = "name,email\n,ada@example.org\nBob Smith,bob@example.org\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = setup["client_a"].post(invite_url(a), {"file": csv_upload(with_names)})
    assert response.status_code == 302
    assert response["Location"] == members_url(a)
    assert sorted(a.invitations.values_list("email", flat=True)) == [
        "ada@example.org",
        "bob@example.org",
    ]
    # Celery runs eagerly after commit in tests: one email per person.
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bob@example.org"]
    bob_mail = next(m for m in mail.outbox if m.to == ["bob@example.org"])
    bob = a.invitations.get(email="bob@example.org")
    assert f"/cohorts/invitation/{bob.token}/" in bob_mail.body
    assert "Spring A" in bob_mail.subject
    assert f"/cohorts/invitation/{bob.token}/" in bob_mail.alternatives[0][0]

    again = "name,email\nAda Lovelace,ADA@example.org\nBob,bob@example.org\nCy,cy@example.org\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = setup["client_a"].post(invite_url(a), {"file": csv_upload(again)})
    assert response.status_code == 302
    assert a.invitations.count() == 3
    assert a.invitations.get(email="ada@example.org").name == "Ada Lovelace"
    assert a.invitations.get(email="bob@example.org").name == "Bob Smith"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "bob@example.org",
        "cy@example.org",
    ]
    page = setup["client_a"].get(members_url(a)).content.decode()
    assert "cy@example.org" in page and "Invited" in page


def test_invitation_task_sends_each_invitation_once(setup, django_capture_on_commit_callbacks):
    a = setup["a"]
    rows, _ = services.parse_invite_csv(b"email\none@example.org\ntwo@example.org\n")
    with django_capture_on_commit_callbacks(execute=False):
        services.invite(a, rows)
    assert mail.outbox == []
    first = send_invitation_emails(a.pk)
    second = send_invitation_emails(a.pk)
    assert first["sent"] == 2 and second["sent"] == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "two@example.org"]
    assert not a.invitations.filter(sent_at__isnull=True).exists()


def test_a_failed_send_is_recorded_and_retried(
    setup, django_capture_on_commit_callbacks, monkeypatch
):
    a = setup["a"]
    rows, _ = services.parse_invite_csv(b"email\none@example.org\n")
    with django_capture_on_commit_callbacks(execute=False):
        services.invite(a, rows)

    def refuse(self, messages):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert send_invitation_emails(a.pk)["failed"] == 1
    invitation = a.invitations.get()
    assert invitation.sent_at is None and "connection refused" in invitation.last_error
    monkeypatch.undo()
    assert send_invitation_emails(a.pk)["sent"] == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.last_error == ""
    assert len(mail.outbox) == 1


def test_a_dead_workers_claim_is_taken_again_after_the_lease_by_the_sweep(
    setup, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from lms.cohorts.tasks import send_pending_invitations

    a = setup["a"]
    rows, _ = services.parse_invite_csv(b"email\nfresh@example.org\nstale@example.org\n")
    with django_capture_on_commit_callbacks(execute=False):
        services.invite(a, rows)
    now = timezone.now()
    # One claimed a moment ago by a live worker, one by a worker that died 20 minutes ago.
    # (A claimed row is `sending`; lms.core.outbox.)
    sending = Status.SENDING
    a.invitations.filter(email="fresh@example.org").update(status=sending, claimed_at=now)
    a.invitations.filter(email="stale@example.org").update(
        status=sending, claimed_at=now - timedelta(minutes=20)
    )
    assert send_pending_invitations.delay().get() == 1
    assert [m.to[0] for m in mail.outbox] == ["stale@example.org"]
    assert a.invitations.get(email="stale@example.org").sent_at is not None
    assert a.invitations.get(email="fresh@example.org").sent_at is None
    assert send_pending_invitations.delay().get() == 0  # the live claim is left alone


def test_join_link_can_be_closed_and_reopened(setup):
    a = setup["a"]
    response = setup["client_a"].post(f"/admin/cohorts/join-link/{a.pk}/", {"open": "0"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert not a.join_link_open
    assert "join link is closed" in setup["client_a"].get(members_url(a)).content.decode()
    setup["client_a"].post(f"/admin/cohorts/join-link/{a.pk}/", {"open": "1"})
    a.refresh_from_db()
    assert a.join_link_open


def test_members_page_shows_the_join_link_and_statuses(setup, django_user_model):
    a = setup["a"]
    lessons = pathway_lessons(a.pathway)
    invited_only, joined, active, finished = (
        make_learner(django_user_model, f"{who}@example.org")
        for who in ("invited", "joined", "active", "finished")
    )
    rows, _ = services.parse_invite_csv(b"email\ninvited@example.org\n")
    services.invite(a, rows)
    services.join(a, joined)
    services.join(a, active)
    services.join(a, finished)
    complete_lesson(active, lessons[0])
    for lesson in lessons:
        complete_lesson(finished, lesson)
    html = setup["client_a"].get(members_url(a)).content.decode()
    assert f"/cohorts/join/{a.join_token}/" in html
    by_email = {row.email: row.status for row in services.member_rows(a, a.invitations.all())}
    assert by_email == {
        "invited@example.org": "Invited",
        "joined@example.org": "Joined",
        "active@example.org": "Activated",
        "finished@example.org": "Completed pathway",
    }
    assert invited_only.cohort_memberships.count() == 0
    assert "Completed pathway" in html and "Activated" in html


def members_page_queries(client, cohort):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(members_url(cohort))
    assert response.status_code == 200
    return len(captured)


def test_member_list_queries_do_not_grow_with_members(setup, django_user_model):
    a = setup["a"]
    lesson = pathway_lessons(a.pathway)[0]

    def add(count, start):
        for i in range(start, start + count):
            user = make_learner(django_user_model, f"m{i}@example.org")
            services.join(a, user)
            complete_lesson(user, lesson)
        rows, _ = services.parse_invite_csv(
            (
                "email\n" + "".join(f"i{i}@example.org\n" for i in range(start, start + count))
            ).encode()
        )
        services.invite(a, rows)

    add(2, 0)
    members_page_queries(setup["client_a"], a)  # a running server has its Site kept already
    small = members_page_queries(setup["client_a"], a)
    add(20, 100)
    large = members_page_queries(setup["client_a"], a)
    assert Membership.objects.filter(cohort=a).count() == 22
    assert large == small
