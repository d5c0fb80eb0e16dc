"""The cohort funnel report and the equity dashboard in the Wagtail admin:
who may reach them, the audit log of every view and export, an export that
is suppressed exactly as the screen, and learner counts served through the
cell key method (nothing refused; the same selection, the same figures).

The equity figures come from a stand-in for lms.reports.equity_metrics (hand-made
tables, so the assertions do not depend on how the metrics are counted); the
cohort funnel uses the real lms.reports.cohort_metrics. The two differencing
attacks are replayed against the real metrics in
tests/test_equity_differencing.py."""

import csv
import io
import types
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Cohort, Membership, Programme
from lms.equity.access import EQUITY_ANALYSTS, can_view_equity, ensure_equity_analysts
from lms.equity.models import AuditEntry, RecordKey
from lms.pathways.models import Pathway
from lms.reports import disclosure
from lms.reports.disclosure import NOT_DECLARED_LABEL, PREFER_NOT_LABEL, Counts
from lms.reports.views import equity as equity_views

pytestmark = pytest.mark.django_db

FUNNEL = "/admin/reports/cohort-funnel/"
EQUITY = "/admin/reports/equity/"
AUDIT = "/admin/reports/equity/audit/"


class FakeEquityMetrics:
    """lms.reports.equity_metrics as the dashboard uses it: its characteristics and
    one table per characteristic, of a population set by the test."""

    CHARACTERISTICS = {
        "sex": types.SimpleNamespace(label="Sex"),
        "ethnic_group": types.SimpleNamespace(label="Ethnic group"),
    }

    def __init__(self):
        self.population_value = 164
        self.scopes = []

    def equity_breakdown(self, scope, characteristic):
        self.scopes.append(scope)
        total = self.population_value
        return types.SimpleNamespace(
            rows=[
                Counts("Female", 60, 40, 30, 20, 12.0, learners_key=301, activated_key=77),
                Counts("Male", total - 94, 40, 30, 20, 14.0, learners_key=1000 + total),
                Counts(PREFER_NOT_LABEL, 4, 2, 1, 1, kind="prefer_not", learners_key=9),
                Counts(NOT_DECLARED_LABEL, 30, 20, 10, 10, kind="not_declared", engaged_key=5),
            ],
            total=None,
        )


@pytest.fixture
def metrics(monkeypatch):
    fake = FakeEquityMetrics()
    monkeypatch.setattr(equity_views, "CHARACTERISTICS", fake.CHARACTERISTICS)
    monkeypatch.setattr(equity_views, "equity_breakdown", fake.equity_breakdown)
    return fake


@pytest.fixture
def world(django_user_model, staff_client):
    ensure_roles()
    ensure_equity_analysts()
    programme = Programme.objects.create(name="AI for SME leaders")
    pathway = Pathway.objects.create(title="Getting started", slug="getting-started")
    ours = Cohort.objects.create(
        name="Tees Valley spring",
        programme=programme,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 5, 31),
        pathway=pathway,
    )
    theirs = Cohort.objects.create(
        name="Hull autumn",
        programme=programme,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 11, 30),
        pathway=pathway,
    )
    manager_client = staff_client("cohort_manager", email="manager@example.com")
    manager = manager_client.user
    ours.managers.add(manager)
    admin_client_ = staff_client("programme_admin", email="padmin@example.com")
    analyst_client = staff_client("analyst", email="analyst@example.com")
    analyst = analyst_client.user
    learner = django_user_model.objects.create_user("learner@example.com", "pw-learner")
    Membership.objects.create(cohort=ours, user=learner)
    learner_client = Client()
    learner_client.force_login(learner)
    return types.SimpleNamespace(
        ours=ours,
        theirs=theirs,
        manager=manager,
        manager_client=manager_client,
        admin_client=admin_client_,
        analyst=analyst,
        analyst_client=analyst_client,
        learner=learner,
        learner_client=learner_client,
    )


def _csv(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


# -- access ----------------------------------------------------------------------


def test_cohort_manager_sees_only_their_own_cohorts(world):
    response = world.manager_client.get(FUNNEL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tees Valley spring" in html and "Hull autumn" not in html
    assert response.context["report"]["scope"].cohort_ids == (world.ours.pk,)
    # Another cohort's id is not a valid choice: no figures at all.
    other = world.manager_client.get(FUNNEL, {"cohort": world.theirs.pk})
    assert other.status_code == 200
    assert other.context["report"] is None
    assert "Hull autumn" not in other.content.decode()
    export = world.manager_client.get(FUNNEL, {"cohort": world.theirs.pk, "export": "csv"})
    assert export["Content-Type"].startswith("text/html")


def test_programme_admin_sees_every_cohort(world):
    response = world.admin_client.get(FUNNEL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tees Valley spring" in html and "Hull autumn" in html
    export = world.admin_client.get(FUNNEL, {"cohort": world.ours.pk, "export": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = _csv(export)
    # One learner: a count of 1 is never perturbed (zero-mean noise could
    # only move it to 0 or bias it), so the funnel shows 1.
    assert rows[0] == ["Stage", "Learners"] and ["Joined", "1"] in rows


def test_cohort_manager_cannot_see_equity_data(world, metrics):
    for url in (EQUITY, EQUITY + "?export=csv", AUDIT):
        response = world.manager_client.get(url)
        assert response.status_code == 403, url
        assert "Female" not in response.content.decode()
    assert not can_view_equity(world.manager)
    assert AuditEntry.objects.count() == 0
    assert metrics.scopes == []  # no equity figure was even computed


def test_programme_admin_and_superuser_are_not_analysts_unless_added(world, admin_client, metrics):
    assert world.admin_client.get(EQUITY).status_code == 403
    assert admin_client.get(EQUITY).status_code == 403
    # But admins read the audit log.
    assert world.admin_client.get(AUDIT).status_code == 200
    assert admin_client.get(AUDIT).status_code == 200


def test_learner_and_anonymous_reach_no_report(world, metrics):
    for url in (FUNNEL, FUNNEL + "?export=csv", EQUITY, EQUITY + "?export=csv", AUDIT):
        for client in (world.learner_client, Client()):
            response = client.get(url)
            assert response.status_code in (302, 403), url
            if response.status_code == 302:
                assert "login" in response["Location"]
    assert AuditEntry.objects.count() == 0


def test_analyst_cannot_read_the_funnel(world):
    assert world.analyst_client.get(FUNNEL).status_code == 403


# -- the dashboard, audit and export ---------------------------------------------


def test_analyst_view_is_suppressed_and_audited(world, metrics):
    response = world.analyst_client.get(EQUITY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "Hidden: fewer than 10 learners" in html  # Prefer not to say: 4
    assert "Hidden so it cannot be worked out from the total" in html
    (entry,) = AuditEntry.objects.all()
    assert entry.action == AuditEntry.Action.VIEW and entry.user == world.analyst
    assert entry.user_email == "analyst@example.com"
    assert entry.filters["characteristic"] == "sex"
    # The log keeps the total as it was shown (perturbed, rounded), never the
    # exact number of learners.
    total = response.context["table"].total.cells["learners"]
    assert entry.filters["learners_shown"] == total.text
    assert total.text == str(disclosure.round_count(disclosure.perturb(164, 301 + 1164 + 9)))
    assert "population" not in entry.filters
    assert entry.filters["cohort"] is None  # pooled by default
    assert metrics.scopes[0].cohort_ids is None


def test_export_matches_the_screen_and_is_audited(world, metrics):
    screen = world.analyst_client.get(EQUITY, {"characteristic": "sex"})
    export = world.analyst_client.get(EQUITY, {"characteristic": "sex", "export": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = _csv(export)
    start = rows.index(screen.context["header"])
    assert rows[start + 1 :] == screen.context["rows"]
    html = screen.content.decode()
    for row in screen.context["rows"]:
        for text in row:
            assert text in html
    # Nothing in the export is a raw count under 10.
    table = screen.context["table"]
    for row in table.rows:
        for cell in row.cells.values():
            if cell.hidden and cell.kind == "count":
                assert cell.text.startswith("Hidden")
    declared = table.row("Declared").cells["learners"].text
    assert ["Declared", declared] == rows[[row[0] for row in rows].index("Declared")][:2]
    # The other table, what the figures are of: the selection, the declared
    # count and share as on the screen, and the disclosure control applied.
    selection = _csv(
        world.analyst_client.get(
            EQUITY, {"characteristic": "sex", "section": "selection", "export": "csv"}
        )
    )
    assert selection[0] == ["Item", "Value"]
    assert ["Declared", declared] in selection
    share = screen.context["declared"]["share"].text
    assert ["Declared share", share] in selection and share in html
    assert ["Cohort", "All cohorts (pooled)"] in selection
    assert any(row[0] == "Disclosure control" for row in selection)
    actions = list(AuditEntry.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [AuditEntry.Action.VIEW, AuditEntry.Action.EXPORT, AuditEntry.Action.EXPORT]
    sections = [entry.filters.get("section") for entry in AuditEntry.objects.order_by("at", "pk")]
    assert sections == [None, "groups", "selection"]


def test_no_selection_is_refused_and_the_same_one_gives_the_same_figures(world, metrics):
    """The differencing check is gone: a selection four learners away from an
    earlier one is served (its figures are perturbed, so subtracting gives
    nothing exact), and asking again returns exactly the same figures."""
    first = world.analyst_client.get(EQUITY, {"characteristic": "sex"})
    metrics.population_value = 160  # e.g. a date range that leaves four people out
    near = world.analyst_client.get(EQUITY, {"characteristic": "sex", "since": "2026-03-02"})
    assert near.status_code == 200 and "Refused" not in near.content.decode()
    assert "Female" in near.content.decode()
    export = world.analyst_client.get(
        EQUITY, {"characteristic": "sex", "since": "2026-03-02", "export": "csv"}
    )
    assert export["Content-Type"].startswith("text/csv")
    again = world.analyst_client.get(EQUITY, {"characteristic": "sex", "since": "2026-03-02"})
    assert again.context["rows"] == near.context["rows"]
    assert first.context["rows"] != near.context["rows"]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REFUSED).exists()
    actions = list(AuditEntry.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["view", "view", "export", "view"]


def test_the_funnel_serves_perturbed_learner_counts(world, django_user_model):
    """30 members whose record keys add up to a cell key with noise +2: the
    funnel and its CSV say 32 joined, the same on every request."""
    users = django_user_model.objects.bulk_create(
        django_user_model(email=f"member{n}@example.com") for n in range(29)
    )
    Membership.objects.bulk_create(Membership(cohort=world.ours, user=user) for user in users)
    members = [world.learner, *users]
    wanted = next(k for k in range(256) if disclosure.perturb(30, k) == 32)
    keys = [0] * 29 + [wanted]
    RecordKey.objects.bulk_create(
        RecordKey(user=user, key=key) for user, key in zip(members, keys, strict=True)
    )
    params = {"cohort": world.ours.pk}
    screen = world.admin_client.get(FUNNEL, params)
    assert dict(screen.context["report"]["stages"])["Joined"] == 32
    export = _csv(world.admin_client.get(FUNNEL, {**params, "export": "csv"}))
    assert ["Joined", "32"] in export
    assert _csv(world.admin_client.get(FUNNEL, {**params, "export": "csv"})) == export


def test_the_reports_draw_record_keys_for_learners_without_one(world, metrics):
    assert not RecordKey.objects.filter(user=world.learner).exists()
    world.manager_client.get(FUNNEL)
    key = RecordKey.objects.get(user=world.learner).key
    world.analyst_client.get(EQUITY)
    world.manager_client.get(FUNNEL)
    assert RecordKey.objects.get(user=world.learner).key == key
    # The key is never on a page.
    html = world.manager_client.get(FUNNEL).content.decode()
    assert "record_key" not in html and "Record key" not in html


def test_audit_log_lists_views_for_admins(world, metrics):
    world.analyst_client.get(EQUITY)
    response = world.admin_client.get(AUDIT)
    html = response.content.decode()
    assert "analyst@example.com" in html and "Viewed" in html


def test_analyst_cohort_choice_is_limited_for_cohort_managers(world, metrics):
    world.manager.groups.add(Group.objects.get(name=EQUITY_ANALYSTS))
    response = world.manager_client.get(EQUITY, {"cohort": world.theirs.pk})
    assert response.status_code == 200
    assert "Hull autumn" not in response.content.decode()
    assert AuditEntry.objects.count() == 0  # an invalid filter shows and logs nothing
    world.manager_client.get(EQUITY)
    assert metrics.scopes[-1].cohort_ids == (world.ours.pk,)


def test_no_per_learner_equity_route_in_the_admin():
    from django.urls import get_resolver

    names = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("equityprofile" in name.lower() for name in names)
    assert disclosure.min_count() == 10


# -- the audit log: admins read all of it, an analyst their own entries ----------


def _xlsx(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def two_analysts(world, metrics, staff_client):
    """The world's analyst viewed and exported (sex), another analyst viewed
    (ethnic group) and exported; an entry of an account since deleted."""
    other = staff_client("analyst", email="other.analyst@example.com")
    world.analyst_client.get(EQUITY)
    world.analyst_client.get(EQUITY, {"export": "csv"})
    other.get(EQUITY, {"characteristic": "ethnic_group"})
    other.get(EQUITY, {"characteristic": "ethnic_group", "export": "xlsx"})
    AuditEntry.objects.create(
        user=None, user_email="gone@example.com", action="view", filters={"cohort_name": "X"}
    )
    return other


def test_analyst_sees_the_audit_log_menu_item_and_only_their_own_entries(world, two_analysts):
    assert AuditEntry.objects.count() == 5
    response = world.analyst_client.get(AUDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "analyst@example.com" in html and "Your own views and exports" in html
    assert "other.analyst@example.com" not in html and "gone@example.com" not in html
    assert "Ethnic group" not in html  # what the other analyst looked at
    entries = list(response.context["object_list"])
    assert [entry.action for entry in entries] == ["export", "view"]
    assert {entry.user for entry in entries} == {world.analyst}
    # The menu item shows for analysts (Reports → Equity audit log).
    assert "Equity audit log" in world.analyst_client.get("/admin/").content.decode()
    # The other analyst, likewise, sees only theirs.
    theirs = two_analysts.get(AUDIT)
    assert {entry.user for entry in theirs.context["object_list"]} == {two_analysts.user}
    assert "analyst@example.com" not in theirs.content.decode().replace("other.analyst@", "")


def test_analyst_audit_exports_and_filters_hold_only_their_own_entries(world, two_analysts):
    rows = _csv(world.analyst_client.get(AUDIT, {"export": "csv"}))
    assert rows[0][:3] == ["When", "Who", "Action"]
    assert [row[1] for row in rows[1:]] == ["analyst@example.com"] * 2
    assert "other.analyst" not in str(rows) and "gone@example.com" not in str(rows)
    sheet = _xlsx(world.analyst_client.get(AUDIT, {"export": "xlsx"}))
    assert [row[1] for row in sheet[1:]] == ["analyst@example.com"] * 2
    assert "other.analyst" not in str(sheet)
    # Filters narrow the analyst's own entries; they never widen them.
    views = world.analyst_client.get(AUDIT, {"action": "view", "export": "csv"})
    assert [(row[1], row[2]) for row in _csv(views)[1:]] == [("analyst@example.com", "Viewed")]
    today = timezone.localdate()
    dated = world.analyst_client.get(
        AUDIT,
        {
            "at_after": (today - timedelta(days=1)).isoformat(),
            "at_before": (today + timedelta(days=1)).isoformat(),
            "export": "csv",
        },
    )
    assert [row[1] for row in _csv(dated)[1:]] == ["analyst@example.com"] * 2
    assert (
        world.analyst_client.get(AUDIT, {"user": two_analysts.user.pk})
        .context["object_list"]
        .count()
        == 2
    )


def test_programme_admin_reads_every_audit_entry(world, two_analysts, admin_client):
    for client in (world.admin_client, admin_client):
        response = client.get(AUDIT)
        html = response.content.decode()
        assert "analyst@example.com" in html and "other.analyst@example.com" in html
        assert "gone@example.com" in html
        assert "Every view, export and refused request" in html
        rows = _csv(client.get(AUDIT, {"export": "csv"}))
        assert sorted(row[1] for row in rows[1:]) == [
            "analyst@example.com",
            "analyst@example.com",
            "gone@example.com",
            "other.analyst@example.com",
            "other.analyst@example.com",
        ]
        assert len(_xlsx(client.get(AUDIT, {"export": "xlsx"}))) == 6


def test_no_audit_log_for_cohort_managers_learners_or_visitors(world, two_analysts):
    assert world.manager_client.get(AUDIT).status_code == 403
    assert world.manager_client.get(AUDIT, {"export": "csv"}).status_code == 403
    assert "Equity audit log" not in world.manager_client.get("/admin/").content.decode()
    for client in (world.learner_client, Client()):
        for query in ({}, {"export": "csv"}, {"export": "xlsx"}):
            response = client.get(AUDIT, query)
            assert response.status_code in (302, 403)
            assert b"analyst@example.com" not in response.content
