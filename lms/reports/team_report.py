"""The employer's team report: for one organisation (a cohort's
`organisation`, lms.cohorts.models.Sponsorship), how many of its people
joined, are active, learn regularly and completed, and their average
self-ratings per skill beside the region's. Aggregates only, never one
person's figures.

Its people are the members of the organisation's cohorts (its name matched
without regard to case or surrounding spaces). The stages are the cohort
funnel's (lms.reports.cohort_metrics.funnel over those cohorts: joined;
active = completed at least one lesson; learning regularly = learning in 3
or more weeks; completed = finished their cohort's pathway); the skills are
lms.reports.skills_gaps.skill_averages over the same people and
regional_averages() over every learner. Every figure shown goes through
lms.reports.disclosure, the equity tables' rules: counts perturbed by the
cell key method, hidden under EQUITY_MIN_COUNT and rounded, shares only for
groups large enough for rates, means hidden for small or unanimous groups.
Nothing here reads the equity profile."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.utils import timezone

from lms.cohorts.models import Cohort

from . import disclosure
from .cohort_metrics import Scope, funnel, learners_in
from .disclosure import Cell
from .skills_gaps import SkillAverage, regional_averages, skill_averages

STAGES = (
    ("joined", "Joined", "people who accepted an invitation or joined by the link"),
    ("activated", "Active", "completed at least one lesson"),
    ("engaged", "Learning regularly", "learned in three or more different weeks"),
    ("completed", "Completed", "finished every lesson of their cohort's pathway"),
)


@dataclass
class StageRow:
    key: str
    label: str
    meaning: str
    count: Cell
    share: Cell | None  # of those who joined; None for "joined" itself


@dataclass
class SkillRow:
    skill: str
    rated: Cell
    team: Cell  # the team's average now (1–5)
    region: Cell  # every learner's average now (1–5)
    low_share: Cell  # the team's share rating themselves 1–2


@dataclass
class TeamReport:
    organisation: str
    cohorts: list[Cohort]
    period: tuple[date, date] | None
    made_on: date
    stages: list[StageRow]
    skills: list[SkillRow]

    @property
    def hidden_count(self) -> int:
        cells = [row.count for row in self.stages] + [r.share for r in self.stages if r.share]
        cells += [c for row in self.skills for c in (row.rated, row.team, row.low_share)]
        return sum(1 for cell in cells if cell.hidden)

    def csv_rows(self) -> list[list[str]]:
        """The same disclosed figures as the page, one table (hidden figures
        with their reason)."""
        rows = [["Section", "Measure", "Figure", "Share of those who joined", "Region"]]
        for row in self.stages:
            share = row.share.text if row.share else ""
            rows.append(["People", row.label, row.count.text, share, ""])
        for row in self.skills:
            rows.append(
                ["Average self-rating (1–5)", row.skill, row.team.text, "", row.region.text]
            )
        for row in self.skills:
            rows.append(["Rating themselves 1–2", row.skill, row.low_share.text, "", ""])
        for row in self.skills:
            rows.append(["People who rated", row.skill, row.rated.text, "", ""])
        return rows


def cohorts_of(organisation: str):
    """The cohorts run for or with the organisation."""
    return Cohort.objects.filter(organisation__iexact=organisation.strip()).order_by(
        "starts_on", "name"
    )


def _period(cohorts: list[Cohort]) -> tuple[date, date] | None:
    if not cohorts:
        return None
    return min(c.starts_on for c in cohorts), max(c.ends_on for c in cohorts)


def _stages(figures) -> list[StageRow]:
    keys = [key for key, _, _ in STAGES]
    cells = disclosure.count_cells(
        [getattr(figures, key) for key in keys], [getattr(figures, f"{key}_key") for key in keys]
    )
    joined = cells[0]
    return [
        StageRow(
            key,
            label,
            meaning,
            cell,
            None if key == "joined" else disclosure.share_cell(cell, joined),
        )
        for (key, label, meaning), cell in zip(STAGES, cells, strict=True)
    ]


def _skills(team: list[SkillAverage], region: list[SkillAverage]) -> list[SkillRow]:
    regional = {average.skill: average for average in region}
    return [
        SkillRow(
            skill=average.skill_name,
            rated=average.rated_cell,
            team=average.average_cell,
            region=regional[average.skill].average_cell,
            low_share=average.share_low_cell,
        )
        for average in team
        if average.skill in regional
    ]


def team_report(organisation: str) -> TeamReport:
    """The report for one organisation, over its cohorts' whole time. A
    fixed number of queries whatever the number of people."""
    cohorts = list(cohorts_of(organisation))
    scope = Scope(cohort_ids=tuple(c.pk for c in cohorts))
    people = get_user_model().objects.filter(pk__in=learners_in(scope)).values("pk")
    return TeamReport(
        organisation=cohorts[0].organisation.strip() if cohorts else organisation,
        cohorts=cohorts,
        period=_period(cohorts),
        made_on=timezone.localdate(),
        stages=_stages(funnel(scope)),
        skills=_skills(skill_averages(people), regional_averages()),
    )
