"""The employer sponsor's team report, a signed-in site page (sponsors are
not CMS staff, so it is not in the Wagtail admin): `/team/` (the one
organisation a sponsor has, or the list of them), `/team/<id>/` (the
printable one-page report) and `/team/<id>/team-report.csv` (the same
disclosed figures). `<id>` is the sponsor's own Sponsorship: another
organisation's, or anyone else's, is a 404 for them; a signed-in person
without the sponsor role gets a 403; an anonymous visitor is sent to sign
in. Figures: lms.reports.team_report."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lms.cohorts.access import is_sponsor, sponsorships_for
from lms.core.spreadsheet import safe_row

from .disclosure import min_count, round_to
from .team_report import team_report


def _sponsorship(request, pk: int):
    if not is_sponsor(request.user):
        raise PermissionDenied("Team reports are for employer sponsors.")
    return get_object_or_404(sponsorships_for(request.user), pk=pk)


@require_safe
@never_cache
@login_required
def team_index(request):
    if not is_sponsor(request.user):
        raise PermissionDenied("Team reports are for employer sponsors.")
    sponsorships = list(sponsorships_for(request.user))
    if len(sponsorships) == 1:
        return redirect("team_report", pk=sponsorships[0].pk)
    return TemplateResponse(request, "reports/team_index.html", {"sponsorships": sponsorships})


@require_safe
@never_cache
@login_required
def team_report_page(request, pk: int):
    sponsorship = _sponsorship(request, pk)
    return TemplateResponse(
        request,
        "reports/team_report.html",
        {
            "report": team_report(sponsorship.organisation),
            "sponsorship": sponsorship,
            "min_count": min_count(),
            "round_to": round_to(),
            "others": sponsorships_for(request.user).exclude(pk=sponsorship.pk).exists(),
        },
    )


@require_safe
@never_cache
@login_required
def team_report_csv(request, pk: int):
    sponsorship = _sponsorship(request, pk)
    report = team_report(sponsorship.organisation)
    out = io.StringIO()
    writer = csv.writer(out)
    for row in report.csv_rows():
        writer.writerow(safe_row(row))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"team-report-{slugify(report.organisation) or 'organisation'}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
