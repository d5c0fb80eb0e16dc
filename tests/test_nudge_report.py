"""The weekly nudge report in the Wagtail admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lms.nudges import delivery, planner
from lms.nudges.models import Nudge
from lms.nudges.reports import weekly_summary
from lms.progress.services import complete_lesson
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def week_of_nudges(learner_factory):
    """Three learners nudged now: one clicks and learns, one unsubscribes."""
    users = [learner_factory(f"l{index}@example.com") for index in range(3)]
    planner.plan_now([user.pk for user in users])
    delivery.deliver(list(Nudge.objects.values_list("pk", flat=True)))
    first, second, _ = Nudge.objects.order_by("user__email")
    Nudge.objects.filter(pk=first.pk).update(clicked_at=timezone.now())
    complete_lesson(first.user, lessons_of("ai-for-the-board")[0])
    Nudge.objects.filter(pk=second.pk).update(unsubscribed_at=timezone.now())
    return users


def test_summary_counts_sent_clicked_unsubscribed_and_learning_within_48_hours(week_of_nudges):
    (row,) = weekly_summary()
    assert (row.sent, row.failed, row.clicked, row.unsubscribed, row.followed) == (3, 0, 1, 1, 1)
    assert row.followed_share == "33%" and row.kind_label == "Your next five minutes"


def test_learning_after_48_hours_does_not_count_as_followed(week_of_nudges):
    Nudge.objects.update(sent_at=timezone.now() - timedelta(hours=49))
    (row,) = weekly_summary()
    assert row.followed == 0


def test_staff_see_the_report_and_its_csv(admin_client, week_of_nudges):
    response = admin_client.get("/admin/reports/nudges/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your next five minutes" in html and "33%" in html
    fragment = admin_client.get("/admin/reports/nudges/results/")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    csv = admin_client.get("/admin/reports/nudges/?export=csv")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Share learned within 48 hours" in body and "33%" in body


def test_learners_cannot_reach_the_report(week_of_nudges):
    client = Client()
    client.force_login(week_of_nudges[0])
    response = client.get("/admin/reports/nudges/")
    assert response.status_code in (302, 403)
    assert b"33%" not in response.content


def test_a_deleted_account_stays_in_the_counts_with_nothing_personal(week_of_nudges):
    from lms.learners.services import delete_account

    delete_account(week_of_nudges[0])
    (row,) = weekly_summary()
    assert row.sent == 3
    orphan = Nudge.objects.get(user__isnull=True)
    assert (orphan.reason, orphan.details) == ("", {})
