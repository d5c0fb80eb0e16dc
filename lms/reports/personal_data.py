"""What the reports hold about a person: their per-day learning facts
(lms.reports.models.LearnerDay, and LearnerTotals, their sum), derived from
the progress the progress app exports, and their first and latest
self-rating per skill and lessons completed of it (SkillFact), derived
from their self-checks and progress (its record key is not theirs to see: it
stays out, as the key does in lms.equity's export).
Erased with everything else; the account's deletion would cascade to them
anyway."""

from lms.core import personal_data

from .models import LearnerDay, LearnerTotals, SkillFact


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
        "report_skills": [
            {
                "skill": row.skill.name,
                "first_rating": row.first_rating,
                "first_taken_at": personal_data.iso(row.first_taken_at),
                "latest_rating": row.latest_rating,
                "latest_taken_at": personal_data.iso(row.latest_taken_at),
                "sittings": row.sittings,
                "lessons_completed": row.completed,
            }
            for row in SkillFact.objects.filter(user=user)
            .select_related("skill")
            .order_by("skill__name")
        ],
    }


def erase(user) -> None:
    LearnerDay.objects.filter(user=user).delete()
    LearnerTotals.objects.filter(user=user).delete()
    SkillFact.objects.filter(user=user).delete()


personal_data.register(
    "reports",
    # reports.Member is the cohort memberships' own rows read another way (no
    # table of its own): lms.cohorts exports and erases them.
    models=[
        "reports.LearnerDay",
        "reports.LearnerTotals",
        "reports.SkillFact",
        "reports.Member",
    ],
    export=export,
    erase=erase,
)
