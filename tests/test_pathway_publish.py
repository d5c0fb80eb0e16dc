"""Publishing a lesson never waits on the broker; if the broker is down, the
hourly sweep still adds the lesson to matching personal pathways."""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from lms.pathways.models import PersonalPathwayItem
from lms.pathways.tasks import extend_recently_published
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db


def test_publishing_with_the_broker_down_succeeds_and_the_sweep_catches_up(
    learner_factory, django_capture_on_commit_callbacks
):
    from lms.pathways.services import build_personal_pathway

    ada = learner_factory("ada@example.com", sector="health-tech", seniority="board")
    lesson = lessons_of("ai-in-diagnostics-and-care-pathways")[0]
    lesson.unpublish()
    build_personal_pathway(ada, ada.learner_profile)
    PersonalPathwayItem.objects.filter(lesson=lesson).delete()
    down = OperationalError("broker down")
    with (
        mock.patch(
            "lms.pathways.tasks.extend_personal_pathways.apply_async", side_effect=down
        ) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        lesson.get_latest_revision().publish()
    assert publish.called
    assert not PersonalPathwayItem.objects.filter(lesson=lesson).exists()
    assert extend_recently_published() >= 1
    assert PersonalPathwayItem.objects.filter(lesson=lesson, pathway__user=ada).exists()
