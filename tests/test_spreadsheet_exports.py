"""Every CSV and XLSX export of the project is spreadsheet-safe.

Titles, names and labels are made hostile (`=HYPERLINK("http://x","y")`,
`+1`, `-1`, `@SUM(A1)`), then every export is downloaded and parsed: no cell
may start with a formula character unless it is quoted with a leading `'`
(in CSV a plain negative number is allowed: spreadsheets read it as a number;
in XLSX numbers are numbers, and no cell is a formula).

The exports are found, not hand-picked: every URL pattern whose view is built
on Wagtail's SpreadsheetExportMixin (ours and Wagtail's own reports and
listings, each in CSV and XLSX), plus the project's own CSV writers, which a
source scan finds (a new csv.writer or text/csv response fails the test until
its URL is listed in OWN_EXPORTS)."""

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.contrib.redirects.models import Redirect
from wagtail.log_actions import log

from content.models import Partner, Sector, Skill
from courses.models import CoursePage, LessonPage
from lms.cohorts import services as cohorts
from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Cohort, Programme, Sponsorship
from lms.core.spreadsheet import FORMULA_STARTS, safe_cell
from lms.equity.access import ensure_equity_analysts
from lms.learners.models import LearnerProfile
from lms.pathways.models import Pathway
from lms.progress.services import complete_lesson
from tests.factories import signed_in, staff_user
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)"]
QUOTED = {f"'{text}" for text in HOSTILE}
NEGATIVE_NUMBER = re.compile(r"^-\d+(\.\d+)?$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The project's own CSV writers (not Wagtail's mixin): source file → the
# export URLs they serve, and who downloads them.
OWN_EXPORTS = {
    "lms/certificates/cpd.py": ["/me/cpd.csv"],
    "lms/personal_data/views.py": ["/me/cpd.csv"],
    # the sponsor's team report (their own sponsorship's id filled in below)
    "lms/reports/team_views.py": ["/team/{sponsorship}/team-report.csv"],
}
# Writers that serve no download: what they write holds no text from anyone.
NOT_DOWNLOADS = {
    "lms/reports/ptable.py": "the published perturbation table, numbers only (manage.py "
    "equity_ptable)",
}
WRITES_A_SPREADSHEET = re.compile(
    r"csv\.(writer|DictWriter)\(|content_type=\"text/csv|openpyxl|spreadsheetml"
)
# Exports that list the hostile titles and names planted below: each must
# show at least one of them, quoted (so the test sees what it checks).
SHOWS_TITLES = {
    "review_due_report",
    "course_analytics",
    "wagtailadmin_reports:locked_pages",
    "wagtailadmin_reports:aging_pages",
    "wagtailadmin_reports:site_history",
    "wagtailadmin_reports:workflow",
    "wagtailadmin_reports:workflow_tasks",
    "wagtailredirects:index",
    "/me/cpd.csv",
    "equity_dashboard?section=selection",  # the hostile cohort's name
    "cohort_funnel?section=cohorts",
    "/team/{sponsorship}/team-report.csv",  # the hostile skill's name
}


def unsafe_cells(rows, *, csv_file: bool) -> list:
    bad = []
    for row in rows:
        for cell in row:
            if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS):
                continue
            if csv_file and NEGATIVE_NUMBER.match(cell):
                continue
            bad.append(cell)
    return bad


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body_of(response).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(body_of(response)))
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value}"
            rows.append([cell.value for cell in row])
    return rows


def sections_of(view_class) -> list[str]:
    """The tables (`?section=`) of a report with several, each its own export."""
    filterset = getattr(view_class, "filterset_class", None)
    filters = getattr(filterset, "base_filters", {})  # some views make theirs per request
    section = filters.get("section")
    return [key for key, _ in section.extra["choices"]] if section else []


def spreadsheet_views():
    """(url name, path) of every URL pattern served by a SpreadsheetExportMixin
    view, and for a report with several tables, of each table (the name and
    path with `?section=`)."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern

    found = []
    for name, route, pattern in walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and issubclass(view_class, SpreadsheetExportMixin):
            assert not pattern.pattern.regex.groups, f"{route}: give this export's URL arguments"
            found.append((name, "/" + route))
            for key in sections_of(view_class):
                found.append((f"{name}?section={key}", f"/{route}?section={key}"))
    return found


@pytest.fixture
def hostile(library, django_user_model):
    """Hostile course, lesson, partner, sector, cohort and redirect text, a
    locked page, a page in review, log rows, progress and a cohort member."""
    admin = staff_user("superuser", email="editor@example.com")
    course = CoursePage.objects.get(slug="ai-for-the-board")
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
    CoursePage.objects.filter(pk=course.pk).update(title=HOSTILE[0])
    for lesson, title in zip(lessons, HOSTILE[1:] + HOSTILE, strict=False):
        LessonPage.objects.filter(pk=lesson.pk).update(
            title=title, review_by=timezone.localdate() - timedelta(days=3)
        )
    Partner.objects.filter(pk=course.partner_id).update(name=HOSTILE[3])
    sector = Sector.objects.get(slug="health-tech")
    Sector.objects.filter(pk=sector.pk).update(name=HOSTILE[0])
    lessons = [LessonPage.objects.get(pk=lesson.pk) for lesson in lessons]

    # Locked, in review, and in the site history under hostile titles.
    LessonPage.objects.filter(pk=lessons[0].pk).update(
        locked=True, locked_by=admin, locked_at=timezone.now()
    )
    lessons[1].save_revision(user=admin)
    lessons[1].get_workflow().start(lessons[1], admin)
    for lesson in lessons:
        log(instance=lesson, action="wagtail.edit", user=admin)
    Redirect.objects.create(old_path="/old-board", redirect_link=HOSTILE[0])

    # A learner who completed the hostile lessons, in a hostile cohort.
    learner = make_learner(django_user_model, "learner@example.org")
    for lesson in lessons:
        complete_lesson(learner, lesson)
    LearnerProfile.objects.filter(user=learner).update(organisation_name=HOSTILE[1])
    ensure_roles()
    ensure_equity_analysts()
    admin.groups.add(Group.objects.get(name="Equity analysts"))
    cohort = cohorts.save_cohort(
        name=HOSTILE[3],
        programme=Programme.objects.create(name=HOSTILE[2]),
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 3, 30),
        pathway=Pathway.objects.filter(live=True).first(),
    )
    cohorts.join(cohort, learner)
    Cohort.objects.filter(pk=cohort.pk).update(organisation=HOSTILE[0])
    Skill.objects.filter(pk=Skill.objects.order_by("name").first().pk).update(name=HOSTILE[2])
    Sponsorship.objects.create(user=admin, organisation=HOSTILE[0])
    return admin, learner, cohort


def test_safe_cell_quotes_every_formula_start_and_nothing_else():
    for text in [*HOSTILE, "\t=1", "\r=1", "=", "-", "+", "@"]:
        assert safe_cell(text) == f"'{text}"
    for text in ["Board basics", "1. Why AI", "", "'=already quoted", "a=b", " =1"]:
        assert safe_cell(text) == text
    assert safe_cell(None) == "" and safe_cell(-3) == "'-3" and safe_cell(5) == "5"


def test_the_project_has_no_spreadsheet_writer_this_test_does_not_download():
    writers = set()
    for folder in ("lms", "courses", "content", "home"):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if WRITES_A_SPREADSHEET.search(path.read_text()):
                writers.add(path.relative_to(settings.BASE_DIR).as_posix())
    known = set(OWN_EXPORTS) | set(NOT_DOWNLOADS)
    assert writers == known, writers ^ known


def test_every_export_is_spreadsheet_safe(hostile):
    admin, learner, cohort = hostile
    admin_client = signed_in(admin)
    learner_client = signed_in(learner)

    downloads = []  # (name, format, rows)
    views = spreadsheet_views()
    names = {name for name, _ in views}
    # The enumeration finds ours and Wagtail's own reports.
    assert {"review_due_report", "course_analytics", "nudge_report"} <= names
    assert {f"wagtailadmin_reports:{name}" for name in ("locked_pages", "site_history")} <= names
    for name, path in views:
        for export_format in ("csv", "xlsx"):
            # The cohort and equity reports for the hostile cohort.
            query = f"&cohort={cohort.pk}&characteristic=sex" if "section=" in path else ""
            separator = "&" if "?" in path else "?"
            response = admin_client.get(f"{path}{separator}export={export_format}{query}")
            assert response.status_code == 200, (path, export_format, response.status_code)
            if export_format == "csv":
                assert response["Content-Type"].startswith("text/csv"), path
                rows = csv_rows(response)
            else:
                assert response["Content-Type"] == XLSX, path
                rows = xlsx_rows(response)
            downloads.append((name, export_format, rows))

    own_urls = {url for urls in OWN_EXPORTS.values() for url in urls}
    sponsorship = Sponsorship.objects.get(user=admin).pk
    for url in sorted(own_urls):
        url = url.format(sponsorship=sponsorship)
        client = learner_client if url.startswith("/me/") else admin_client
        query = f"&cohort={cohort.pk}" if url.startswith("/admin/") else ""
        response = client.get(url + query)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), (url, response["Content-Type"])
        downloads.append(
            (url.replace(str(sponsorship), "{sponsorship}"), "csv", csv_rows(response))
        )

    for name, export_format, rows in downloads:
        bad = unsafe_cells(rows, csv_file=export_format == "csv")
        assert bad == [], (name, export_format, bad)
    for wanted in SHOWS_TITLES:
        shown = [rows for name, _, rows in downloads if name in (wanted, f"{wanted}_results")]
        assert shown, wanted
        for rows in shown:
            cells = {cell for row in rows for cell in row if isinstance(cell, str)}
            assert cells & QUOTED, (wanted, sorted(cells)[:20])


def test_regression_review_due_export_quotes_lesson_course_and_partner(hostile):
    """Found in the issue 11 review: the review-due CSV wrote lesson and
    course titles unescaped, so `=HYPERLINK(...)` ran in Excel."""
    admin, _, _ = hostile
    client = signed_in(admin)
    for export_format, parse in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = parse(client.get(f"/admin/reports/review-due/?export={export_format}"))
        assert rows[0][:3] == ["Lesson", "Course", "Partner"]
        board = [row for row in rows if row[1] == f"'{HOSTILE[0]}"]
        assert {row[0] for row in board} >= {"'+1", "'-1", "'@SUM(A1)"}, export_format
        assert {row[2] for row in board} == {"'@SUM(A1)"}
