"""People around partner authoring: authors of two partners, a platform editor
and a learner, each with their own signed-in test client."""

import pytest
from django.contrib.auth.models import Group
from wagtail.test.utils.form_data import nested_form_data, streamfield

from content.models import Partner
from courses.workspace import EDITORS_GROUP
from tests.factories import signed_in, staff_user


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
        "author_a": staff_user(a.author_group, email="a@northfield.example.com"),
        "author_b": staff_user(b.author_group, email="b@meridian.example.com"),
        "editor": staff_user(
            Group.objects.get(name=EDITORS_GROUP), email="editor@platform.example.com"
        ),
        "learner": staff_user(email="learner@example.com", two_factor=False),
    }
    return users


@pytest.fixture
def clients(people):
    return {name: signed_in(user) for name, user in people.items()}


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
