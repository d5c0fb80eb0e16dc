"""The Skills gaps and Content gaps admin reports: who sees which, the
export equals the screen, bad filters, and the query count."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import Sector, SeniorityLevel, Skill
from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Cohort, Programme
from lms.cohorts.services import join
from lms.pathways.models import Pathway
from tests.factories import LearnerProfileFactory, self_check, signed_in, staff_user

pytestmark = pytest.mark.django_db

SKILLS = "/admin/reports/skills-gaps/"
CONTENT = "/admin/reports/content-gaps/"


def rated_learners(n, sector_slug, rating, cohort=None):
    sector = Sector.objects.get(slug=sector_slug)
    skills = list(Skill.objects.order_by("name")[:3])
    people = []
    for n_person in range(n):
        person = LearnerProfileFactory(sector=sector).user
        self_check(person, dict.fromkeys(skills, rating))
        again = min(5, rating + n_person % 2)  # half of them one point up
        self_check(person, dict.fromkeys(skills, again))
        if cohort is not None:
            join(cohort, person)
        people.append(person)
    return people


@pytest.fixture
def cohort(library):
    programme = Programme.objects.create(name="Programme one")
    return Cohort.objects.create(
        name="Cohort one",
        programme=programme,
        pathway=Pathway.objects.first(),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )


@pytest.fixture
def data(cohort):
    rated_learners(30, "health-tech", 2, cohort)
    rated_learners(25, "advanced-manufacturing", 3)
    rated_learners(3, "creative-immersive", 4)


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("role", "skills_status", "content_status"),
    [
        ("programme_admin", 200, 403),
        ("cohort_manager", 200, 403),
        ("editor", 403, 200),
        ("analyst", 403, 403),
    ],
)
def test_who_sees_which_report(data, staff_client, role, skills_status, content_status):
    client = staff_client(role)
    skills = client.get(SKILLS)
    content = client.get(CONTENT)
    assert skills.status_code == skills_status
    assert content.status_code == content_status
    for response in (skills, content):
        if response.status_code == 403:
            assert b"heat" not in response.content and b"Health tech" not in response.content


def test_a_partner_author_sees_content_gaps_only(data, library):
    from content.models import Partner

    author = signed_in(staff_user(Partner.objects.order_by("pk").first()))
    assert author.get(CONTENT).status_code == 200
    assert author.get(SKILLS).status_code == 403


def test_learners_and_anonymous_visitors_are_sent_to_sign_in(data):
    learner = signed_in(LearnerProfileFactory().user)
    for client in (learner, signed_in(LearnerProfileFactory().user).__class__()):
        for url in (SKILLS, CONTENT, SKILLS + "?export=csv", CONTENT + "?export=csv"):
            response = client.get(url)
            assert response.status_code in (302, 403)
            if response.status_code == 302:
                assert "login" in response["Location"]
            assert b"Health tech" not in response.content


def test_the_heat_map_shows_shown_and_hidden_cells(data, staff_client):
    response = staff_client("programme_admin").get(SKILLS)
    page = response.content.decode()
    assert 'role="region"' in page and 'tabindex="0"' in page
    assert "heat-hidden" in page and "Hidden" in page  # 3 creative learners
    rows = {row["label"]: row for row in response.context["report"]["heat_rows"]}
    assert rows["Health tech"]["cells"][0]["cell"].shown
    assert not rows["Creative and immersive tech"]["cells"][0]["cell"].shown


@pytest.mark.parametrize("section", ["skills", "map", "gaps"])
def test_the_export_equals_the_screen(data, staff_client, section):
    client = staff_client("programme_admin")
    screen = client.get(SKILLS, {"section": section})
    shown = screen.context["sections"][section]
    exported = csv_rows(client.get(SKILLS, {"section": section, "export": "csv"}))
    assert exported[0] == shown.headings
    assert exported[1:] == [[str(cell) for cell in row] for row in shown.cells]


def test_the_content_gaps_export_equals_the_list(data, staff_client):
    client = staff_client("editor")
    screen = client.get(CONTENT)
    exported = csv_rows(client.get(CONTENT, {"export": "csv"}))
    assert exported[1:] == [list(row.values()) for row in screen.context["object_list"]]
    assert any("Health tech" in row for row in exported)
    assert not any("Creative and immersive tech" in row for row in exported)  # 3 people


def test_a_cohort_narrows_the_people(data, cohort, staff_client):
    response = staff_client("programme_admin").get(SKILLS, {"cohort": cohort.pk})
    labels = [row["label"] for row in response.context["report"]["heat_rows"]]
    assert labels == ["Health tech", "All learners in the selection"]


@pytest.mark.parametrize(
    "query",
    [
        {"cohort": "999999"},
        {"since": "2026-05-01", "until": "2026-01-01"},
        {"breakdown": "equity"},
        {"seniority": "x"},
        {"since": "not a date"},
    ],
)
def test_bad_filters_get_a_message_not_a_500(data, staff_client, query):
    client = staff_client("programme_admin")
    response = client.get(SKILLS, query)
    assert response.status_code == 200
    assert response.context["report"] is None
    export = client.get(SKILLS, query | {"export": "csv"})
    assert export.status_code == 200 and "text/html" in export["Content-Type"]


def test_a_cohort_of_another_programme_is_refused_with_the_reason(data, cohort, staff_client):
    other = Programme.objects.create(name="Programme two")
    Cohort.objects.create(
        name="Cohort two", programme=other, pathway=cohort.pathway,
        starts_on=cohort.starts_on, ends_on=cohort.ends_on,
    )  # fmt: skip
    response = staff_client("programme_admin").get(
        SKILLS, {"programme": other.pk, "cohort": cohort.pk}
    )
    assert "is not in the programme" in response.content.decode()


def test_the_report_takes_as_many_queries_for_many_learners_as_for_few(cohort, staff_client):
    ensure_roles()
    client = staff_client("programme_admin")
    rated_learners(12, "health-tech", 2, cohort)

    def page_queries():
        client.get(SKILLS)  # draws any missing record keys
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SKILLS)
        assert response.status_code == 200
        return len(captured)

    small = page_queries()
    rated_learners(40, "advanced-manufacturing", 3, cohort)
    rated_learners(15, "creative-immersive", 1)
    SeniorityLevel.objects.count()
    assert page_queries() == small
