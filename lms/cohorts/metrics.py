"""Cohort funnel and engagement, computed in the database (the interface;
implemented by the metrics work of issue 6).

Definitions (per learner in scope, i.e. a member of a cohort in scope;
a learner in several cohorts counts once when cohorts are combined):
- invited: invitations in scope (an invitation, or a join by the link, which
  records one);
- joined: memberships;
- activated: completed at least one lesson;
- engaged: learning events in 3 or more distinct ISO weeks;
- completed: completed every lesson of the cohort's assigned pathway;
- minutes: seconds spent in lessons / 60.
"""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Scope:
    """What a report covers. `cohort_ids` is already limited to what the
    viewer may see (lms.cohorts.access); None means every cohort."""

    cohort_ids: tuple[int, ...] | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class GroupCounts:
    """One row of a breakdown: raw (unsuppressed) counts for one group."""

    group: str
    learners: int = 0
    activated: int = 0
    engaged: int = 0
    completed: int = 0
    minutes: float = 0.0
    median_minutes: float | None = None


@dataclass
class Funnel:
    invited: int = 0
    joined: int = 0
    activated: int = 0
    engaged: int = 0
    completed: int = 0
    minutes: float = 0.0
    per_week: list[tuple[date, int]] = field(default_factory=list)  # completions per week


DIMENSIONS = ("sector", "seniority", "organisation_size", "local_area")


def funnel(scope: Scope) -> Funnel:
    raise NotImplementedError


def breakdown(scope: Scope, dimension: str) -> list[GroupCounts]:
    raise NotImplementedError
