"""Weekly nudge figures for the admin report: per week (of the planned send
time) and kind, how many were sent, failed, skipped, clicked and led to an
unsubscribe, and the share of sent nudges followed by learning (a lesson
started or completed) within 48 hours. One query, whatever the volume."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from lms.progress.models import LearningEvent, Verb

from .models import Kind, Nudge, Status

FOLLOW_UP = timedelta(hours=48)


@dataclass
class WeekRow:
    week: date
    kind: str
    planned: int
    sent: int
    failed: int
    skipped: int
    clicked: int
    unsubscribed: int
    followed: int

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def followed_share(self) -> str:
        return f"{round(100 * self.followed / self.sent)}%" if self.sent else "–"


def weekly_summary(weeks: int = 12, kind: str | None = None) -> list[WeekRow]:
    since = timezone.now() - timedelta(weeks=weeks)
    learned_after = LearningEvent.objects.filter(
        user_id=OuterRef("user_id"),
        verb__in=[Verb.STARTED, Verb.COMPLETED],
        occurred_at__gte=OuterRef("sent_at"),
        occurred_at__lte=OuterRef("sent_at") + FOLLOW_UP,
    )
    nudges = Nudge.objects.filter(due_at__gte=since)
    if kind:
        nudges = nudges.filter(kind=kind)
    rows = (
        nudges.annotate(week=TruncWeek("due_at"), followed=Exists(learned_after))
        .values("week", "kind")
        .annotate(
            planned=Count("id"),
            sent=Count("id", filter=Q(status=Status.SENT)),
            failed=Count("id", filter=Q(status=Status.FAILED)),
            skipped=Count("id", filter=Q(status=Status.SKIPPED)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            unsubscribed=Count("id", filter=Q(unsubscribed_at__isnull=False)),
            followed_count=Count("id", filter=Q(status=Status.SENT, followed=True)),
        )
        .order_by("-week", "kind")
    )
    return [
        WeekRow(
            week=row["week"].date() if hasattr(row["week"], "date") else row["week"],
            kind=row["kind"],
            planned=row["planned"],
            sent=row["sent"],
            failed=row["failed"],
            skipped=row["skipped"],
            clicked=row["clicked"],
            unsubscribed=row["unsubscribed"],
            followed=row["followed_count"],
        )
        for row in rows
    ]
