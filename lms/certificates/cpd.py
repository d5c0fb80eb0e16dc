"""The CPD log: one row per completed lesson, for a learner's professional body.
CPD time is nominal: each lesson counts the minutes its course lists for it, so
a course's rows add up to the learning time on its certificate, however long
the pages were open.

The file is opened in spreadsheets, so every cell goes through the one formula
guard, lms.core.spreadsheet.safe_cell (CSV injection)."""

import csv
import io

from django.utils import timezone

from lms.core.spreadsheet import safe_row
from lms.learners.models import LearnerProfile
from lms.progress.models import LessonProgress

from .services import learner_time_zone

HEADER = ["Date completed", "Course", "Lesson", "Partner", "CPD minutes"]
NOTE = (
    "CPD time is the course's nominal learning time: each lesson counts the minutes listed for it."
)


def time_zone_of(user):
    return learner_time_zone(LearnerProfile.objects.filter(user=user).only("time_zone").first())


def cpd_rows(user, tz) -> list[list[str]]:
    """Header plus one row per lesson `user` completed, oldest first, dates in
    `tz`. One query, however long the history. The note follows in `cpd_csv`."""
    completed = (
        LessonProgress.objects.filter(user=user, completed_at__isnull=False)
        .select_related("lesson", "course__partner")
        .order_by("completed_at", "pk")
    )
    rows = [HEADER]
    for progress in completed:
        rows.append(
            safe_row(
                (
                    progress.completed_at.astimezone(tz).date().isoformat(),
                    progress.course.title,
                    progress.lesson.title,
                    progress.course.partner.name,
                    progress.lesson.reading_minutes,
                )
            )
        )
    return rows


def cpd_csv(user) -> tuple[str, str]:
    """(filename, CSV text) for `user`'s CPD log, named for today's date."""
    tz = time_zone_of(user)
    today = timezone.now().astimezone(tz).date()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(cpd_rows(user, tz))
    writer.writerows([[], [NOTE]])
    return f"cpd-log-{today.isoformat()}.csv", buffer.getvalue()
