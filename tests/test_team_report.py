"""The employer sponsor's team report (lms.reports.team_report, /team/):
figures on a hand-built dataset against a hand computation, the CSV equal to
the screen, and a sponsor of one organisation seeing nothing of another."""

import csv
import io
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.models import Skill
from lms.accounts.models import User
from lms.cohorts.access import EMPLOYER_SPONSORS, is_sponsor, sponsorships_for
from lms.cohorts.models import Cohort, Invitation, Membership, Programme, Sponsorship
from lms.core import personal_data
from lms.pathways.models import Pathway, PathwayItem
from lms.reports.skills_gaps import skill_averages
from lms.reports.team_report import team_report
from tests.factories import LearnerProfileFactory, UserFactory, self_check, signed_in, staff_user
from tests.nudge_fixtures import lessons_of
from tests.test_cohort_metrics import WEEK1, take

pytestmark = pytest.mark.django_db

JAN = datetime(2026, 1, 10, 9, tzinfo=UTC)
# Acme's 24 people, governance and ethics (latest sitting): twelve 2s, twelve 4s
# (average 3.0, 12 of 24 rate 1-2 = 50%). Beta's 12 people all rate 5.
ACME_RATINGS = [2] * 12 + [4] * 12
BETA_RATINGS = [5] * 12
# Acme: 24 joined; the first 14 complete the pathway's one lesson (active 14,
# completed 14: the pathway is that one lesson); nobody learns in 3 weeks.
ACME_ACTIVE = 14


def _cohort(name, organisation, pathway, programme):
    return Cohort.objects.create(
        name=name,
        organisation=organisation,
        programme=programme,
        pathway=pathway,
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 4, 30),
    )


def _member(cohort, ratings_by_skill):
    user = LearnerProfileFactory().user
    invitation = Invitation.objects.create(cohort=cohort, email=user.email)
    Membership.objects.create(cohort=cohort, user=user, invitation=invitation)
    self_check(user, ratings_by_skill, JAN)
    return user


@pytest.fixture
def teams(library):
    return build_teams()


def build_teams() -> dict:
    """Acme Ltd's and Beta plc's cohorts as described above, a sponsor each."""
    governance = Skill.objects.get(slug="governance-ethics")
    lesson = lessons_of("buying-ai-well")[0]
    pathway = Pathway.objects.create(title="One lesson", slug="p-one", live=True)
    PathwayItem.objects.create(pathway=pathway, lesson=lesson, sort_order=0)
    programme = Programme.objects.create(name="Team programme")
    acme = _cohort("Acme spring", "Acme Ltd", pathway, programme)
    beta = _cohort("Beta spring", "Beta plc", pathway, programme)
    acme_people = [_member(acme, {governance: r}) for r in ACME_RATINGS]
    for rating in BETA_RATINGS:
        _member(beta, {governance: rating})
    for user in acme_people[:ACME_ACTIVE]:
        take(user, lesson, WEEK1)
    sponsor_a = UserFactory(email="md@acme.example.com")
    sponsor_b = UserFactory(email="md@beta.example.com")
    # " acme ltd " as typed by an admin still matches the cohort's "Acme Ltd"
    ours = Sponsorship.objects.create(user=sponsor_a, organisation="Acme Ltd")
    theirs = Sponsorship.objects.create(user=sponsor_b, organisation="Beta plc")
    return {
        "governance": governance,
        "acme": acme,
        "ours": ours,
        "theirs": theirs,
        "sponsor_a": sponsor_a,
        "sponsor_b": sponsor_b,
        "acme_people": acme_people,
    }


def test_team_figures_equal_the_hand_computation(teams):
    report = team_report("acme ltd ")
    assert report.organisation == "Acme Ltd"
    assert report.period == (date(2026, 1, 5), date(2026, 4, 30))
    stages = {row.key: row for row in report.stages}
    # raw counts (never shown) are the hand counts
    assert stages["joined"].count.raw == 24
    assert stages["activated"].count.raw == ACME_ACTIVE
    assert stages["completed"].count.raw == ACME_ACTIVE
    assert stages["engaged"].count.raw == 0
    # shown counts: perturbed and rounded to 5, at least 10
    for key in ("joined", "activated", "completed"):
        cell = stages[key].count
        assert cell.shown and cell.value % 5 == 0 and cell.value >= 10
        assert abs(cell.value - cell.raw) <= 5
    assert stages["engaged"].count.text == "Hidden: fewer than 10 learners"
    assert stages["engaged"].share.hidden
    governance = next(row for row in report.skills if row.skill == "Governance and ethics")
    assert governance.rated.raw == 24
    assert governance.team.text == "3.0"  # (12 × 2 + 12 × 4) / 24
    # the region: every learner, Acme's 24 and Beta's 12: (24 + 48 + 60) / 36
    assert governance.region.raw == pytest.approx(float(Fraction(132, 36)))
    assert governance.region.text == "3.7"
    # 12 of 24 rate themselves 1-2; the share shown is worked out from the
    # perturbed counts (the cell key method moves each by a few), as every
    # share in the equity tables is, and rounded half up
    acme_pks = [user.pk for user in teams["acme_people"]]
    acme = skill_averages(User.objects.filter(pk__in=acme_pks).values("pk"))
    cells = next(average for average in acme if average.skill_name == "Governance and ethics").cells
    assert (cells["rated"].raw, cells["low"].raw) == (24, 12)
    share = Fraction(100 * cells["low"].perturbed, cells["rated"].perturbed)
    assert governance.low_share.shown
    assert governance.low_share.value == int(share + Fraction(1, 2))
    # a skill nobody rated: hidden, never a zero or a person's figure
    other = next(row for row in report.skills if row.skill != "Governance and ethics")
    assert other.team.hidden and other.rated.hidden


def test_a_team_of_one_rating_shows_no_average(teams):
    """Beta's people all gave 5: the mean would be each person's rating."""
    report = team_report("Beta plc")
    governance = next(row for row in report.skills if row.skill == "Governance and ethics")
    assert governance.team.hidden
    assert "same rating" in governance.team.reason


def test_the_csv_is_the_screen(teams):
    client = signed_in(teams["sponsor_a"])
    page = client.get(reverse("team_report", args=[teams["ours"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    response = client.get(reverse("team_report_csv", args=[teams["ours"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Measure", "Figure", "Share of those who joined", "Region"]
    report = team_report("Acme Ltd")
    joined = next(r for r in rows if r[1] == "Joined")
    assert joined[2] == report.stages[0].count.text and joined[2] in html
    governance = next(r for r in rows if r[1] == "Governance and ethics")
    assert governance[2:] == ["3.0", "", "3.7"]
    for row in rows[1:]:
        assert row[2] in html
    # no person anywhere
    for user in teams["acme_people"]:
        assert user.email not in html and user.email not in response.content.decode()


def test_the_page_is_printable_with_brand_date_and_period(teams):
    html = signed_in(teams["sponsor_a"]).get(reverse("team_report", args=[teams["ours"].pk]))
    html = html.content.decode()
    assert "Print or save as PDF" in html
    assert "5 January 2026 to 30 April 2026" in html
    assert "Report made on" in html
    assert "js/print.js" in html


def test_a_sponsor_of_a_sees_nothing_of_b(teams):
    client = signed_in(teams["sponsor_a"])
    theirs = teams["theirs"].pk
    for name in ("team_report", "team_report_csv"):
        response = client.get(reverse(name, args=[theirs]))
        assert response.status_code == 404, name
        assert "Beta" not in response.content.decode()
    # /team/ goes to their own organisation only
    response = client.get(reverse("team_index"))
    assert response.status_code == 302
    assert response.url == reverse("team_report", args=[teams["ours"].pk])


def test_a_sponsor_who_is_not_learning_lands_on_their_report(teams, library):
    response = signed_in(teams["sponsor_a"]).get(reverse("dashboard"))
    assert response.status_code == 302 and response.url == reverse("team_index")
    learner = UserFactory()
    assert signed_in(learner).get(reverse("dashboard")).url == reverse("onboarding")


def test_a_sponsor_of_two_chooses(teams):
    second = Sponsorship.objects.create(user=teams["sponsor_a"], organisation="Beta plc")
    response = signed_in(teams["sponsor_a"]).get(reverse("team_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("team_report", args=[second.pk]) in html
    assert reverse("team_report", args=[teams["ours"].pk]) in html


@pytest.mark.parametrize("who", ["learner", "editor", "programme_admin", "superuser", "author"])
def test_people_who_are_not_sponsors_are_refused(teams, who, partners):
    if who == "learner":
        user = teams["acme_people"][0]
    elif who == "author":
        user = staff_user(partners[0])
    else:
        user = staff_user(who)
    client = signed_in(user)
    for url in (
        reverse("team_index"),
        reverse("team_report", args=[teams["ours"].pk]),
        reverse("team_report_csv", args=[teams["ours"].pk]),
    ):
        assert client.get(url).status_code in {403, 404}, (who, url)


def test_anonymous_visitors_are_sent_to_sign_in(teams, client):
    for url in (
        reverse("team_index"),
        reverse("team_report", args=[teams["ours"].pk]),
        reverse("team_report_csv", args=[teams["ours"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_the_role_follows_the_sponsorships(teams):
    sponsor = teams["sponsor_a"]
    # a site role: no way into the Wagtail admin
    assert not Group.objects.get(name=EMPLOYER_SPONSORS).permissions.filter(codename="access_admin")
    assert not sponsor.has_perm("wagtailadmin.access_admin")
    assert is_sponsor(sponsor)
    assert sponsor.groups.filter(name=EMPLOYER_SPONSORS).exists()
    teams["ours"].delete()
    assert not is_sponsor(sponsor)
    assert not sponsorships_for(sponsor).exists()
    # a group with the role's permission but no sponsorship sees nothing
    sponsor.groups.add(Group.objects.get(name=EMPLOYER_SPONSORS))
    assert is_sponsor(sponsor) and not sponsorships_for(sponsor).exists()


def test_personal_data_exports_and_erases_sponsorships(teams):
    sponsor = teams["sponsor_a"]
    exported = personal_data.export(sponsor, build_url=lambda path: path)
    assert exported["organisations_sponsored"][0]["organisation"] == "Acme Ltd"
    personal_data.erase(sponsor)
    assert not Sponsorship.objects.filter(organisation="Acme Ltd").exists()


def test_programme_admins_add_a_sponsor_by_email(teams, staff_client):
    client = staff_client("programme_admin")
    person = UserFactory(email="hr@acme.example.com")
    add = reverse("sponsors:add")
    response = client.post(add, {"email": "HR@acme.example.com", "organisation": "Acme Ltd"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Sponsorship.objects.filter(user=person, organisation="Acme Ltd").exists()
    assert is_sponsor(person)
    # bad input: a clear message, nothing saved, no 500
    response = client.post(add, {"email": "nobody@example.com", "organisation": "Acme Ltd"})
    assert response.status_code == 200
    assert "No account uses nobody@example.com yet" in response.content.decode()
    response = client.post(add, {"email": "hr@acme.example.com", "organisation": "Acme Ltd"})
    assert "They already sponsor Acme Ltd." in response.content.decode()
    response = client.post(add, {"email": "hr@acme.example.com", "organisation": "Made up"})
    assert response.status_code == 200
    assert Sponsorship.objects.filter(user=person).count() == 1


def test_cohort_managers_cannot_add_sponsors(teams, staff_client):
    client = staff_client("cohort_manager")
    assert client.get(reverse("sponsors:index")).status_code in {302, 403}


def test_team_report_queries_do_not_grow_with_people(teams):
    # The first report after people join draws their record keys (an insert,
    # once per person); the counts compared are of the reports after that.
    team_report("Acme Ltd")
    with CaptureQueriesContext(connection) as before:
        team_report("Acme Ltd")
    for rating in [3] * 10:
        _member(teams["acme"], {teams["governance"]: rating})
    team_report("Acme Ltd")
    with CaptureQueriesContext(connection) as after:
        team_report("Acme Ltd")
    assert len(after) == len(before)
