"""What the reports hold about a person: their per-day learning facts
(lms.reports.models.LearnerDay, and LearnerTotals, their sum), derived from
the progress the progress app exports. Erased with everything else; the
account's deletion would cascade to them anyway."""

from lms.core import personal_data

from .models import LearnerDay, LearnerTotals


def export(user, *, build_url) -> dict:
    return {
        "report_learning_days": [
            {
                "day": personal_data.iso(row.day),
                "lessons_completed": row.completions,
                "minutes": row.minutes,
                "learning_events": row.events,
            }
            for row in LearnerDay.objects.filter(user=user).order_by("day")
        ],
        "report_learning_totals": [
            {
                "lessons_completed": row.completions,
                "minutes": row.minutes,
                "weeks_with_learning": row.weeks,
            }
            for row in LearnerTotals.objects.filter(user=user)
        ],
    }


def erase(user) -> None:
    LearnerDay.objects.filter(user=user).delete()
    LearnerTotals.objects.filter(user=user).delete()


personal_data.register(
    "reports",
    # reports.Member is the cohort memberships' own rows read another way (no
    # table of its own): lms.cohorts exports and erases them.
    models=["reports.LearnerDay", "reports.LearnerTotals", "reports.Member"],
    export=export,
    erase=erase,
)
