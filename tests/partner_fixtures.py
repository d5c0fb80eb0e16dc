"""People around partner authoring: authors of two partners, a platform editor
and a learner, each with their own signed-in test client."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.test.utils.form_data import nested_form_data, streamfield

from content.models import Partner
from courses.workspace import EDITORS_GROUP


def admin_user(django_user_model, email, *groups, totp=True):
    user = django_user_model.objects.create_user(email, "pw-" + email)
    user.groups.add(*groups)
    if totp:
        TOTP.activate(user, generate_totp_secret())
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def partners(library):
    return (
        Partner.objects.get(slug="northfield-college"),
        Partner.objects.get(slug="meridian-university"),
    )


@pytest.fixture
def people(partners, django_user_model):
    """author_a writes for partner A (Northfield), author_b for B (Meridian)."""
    a, b = partners
    users = {
        "author_a": admin_user(django_user_model, "a@northfield.example.com", a.author_group),
        "author_b": admin_user(django_user_model, "b@meridian.example.com", b.author_group),
        "editor": admin_user(
            django_user_model, "editor@platform.example.com", Group.objects.get(name=EDITORS_GROUP)
        ),
        "learner": admin_user(django_user_model, "learner@example.com", totp=False),
    }
    return users


@pytest.fixture
def clients(people):
    return {name: client_for(user) for name, user in people.items()}


def lesson_form(title: str, slug: str, *, words: int = 120, action: str = "action-draft", **extra):
    """A complete lesson as the Wagtail editor posts it: prose and one source."""
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "summary": "A short lesson.",
            "body": streamfield(
                [("markdown", "word " * words), ("sources", {"sources": streamfield([])})]
            ),
            "review_by": "",
        }
    )
    data.update(
        {
            "body-1-value-sources-count": "1",
            "body-1-value-sources-0-value-title": "AI Playbook for the UK Government",
            "body-1-value-sources-0-value-url": "https://www.gov.uk/",
            "body-1-value-sources-0-value-publisher": "UK Government",
            "body-1-value-sources-0-deleted": "",
            "body-1-value-sources-0-order": "0",
            action: "1",
            **extra,
        }
    )
    return data
