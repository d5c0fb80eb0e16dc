"""Equity metrics: the cohort measures (lms.reports.cohort_metrics) per group of one
protected or socio-economic characteristic, in aggregate only.

Nothing here returns anything about one person: every function returns
counts over groups (RAW, unsuppressed: disclosure control is applied by the
callers that show or export them, lms.reports.disclosure), each with the sum
of the record keys of the learners behind it (the cell key method; never
shown).

For a characteristic, each learner in scope falls in exactly one row:
- a group (kind "group"): they gave an answer that belongs to it;
- "Prefer not to say" (kind "prefer_not"): they chose that answer (only for
  questions that offer it);
- "Not declared" (kind "not_declared"): no equity profile, or the question
  left unanswered (for local area: no local area in the learner profile).
'Declared" (the groups together: an answer other than "prefer not to
say") is a subtotal the disclosure control adds (disclose_equity).

Rates, and the gap of a row to everyone else in the table, are worked out by
lms.reports.disclosure from the perturbed counts, never from these.
"""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce

from lms.equity.models import (
    PREFER_NOT,
    AgeBand,
    Caring,
    EthnicGroup,
    ParentalOccupation,
    Sex,
    YesNo,
)

from .cohort_metrics import GroupCounts, Scope, grouped_figures

PREFER_NOT_LABEL = "Prefer not to say"
NOT_DECLARED = "Not declared"
TOTAL = "Everyone"


@dataclass(frozen=True)
class Characteristic:
    name: str
    label: str
    field: str  # a lookup from the User
    # (group label, answers in it), in display order; None = the values of `field`
    groups: tuple[tuple[str, tuple[str, ...]], ...] | None
    detail: tuple[tuple[str, tuple[str, ...]], ...] | None = None  # finer groups, on request
    prefer_not: bool = True


def _each(choices) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((label, (value,)) for value, label in choices.choices if value != PREFER_NOT)


CHARACTERISTICS = {
    c.name: c
    for c in (
        Characteristic("age_band", "Age", "equity_profile__age_band", _each(AgeBand)),
        Characteristic("sex", "Sex", "equity_profile__sex", _each(Sex)),
        Characteristic(
            "gender_same_as_birth",
            "Gender identity the same as sex registered at birth",
            "equity_profile__gender_same_as_birth",
            _each(YesNo),
        ),
        Characteristic(
            "ethnic_group", "Ethnic group", "equity_profile__ethnic_group", _each(EthnicGroup)
        ),
        Characteristic("disability", "Disability", "equity_profile__disability", _each(YesNo)),
        Characteristic(
            "caring",
            "Unpaid carer",
            "equity_profile__caring",
            (
                ("Yes", (Caring.UNDER_20, Caring.H20_49, Caring.H50_PLUS)),
                ("No", (Caring.NO,)),
            ),
            detail=_each(Caring),
        ),
        Characteristic(
            "parental_occupation",
            "Socio-economic background",
            "equity_profile__parental_occupation",
            (
                (
                    "Professional background",
                    (ParentalOccupation.PROFESSIONAL, ParentalOccupation.MANAGER),
                ),
                (
                    "Intermediate background",
                    (ParentalOccupation.CLERICAL, ParentalOccupation.SMALL_BUSINESS),
                ),
                (
                    "Lower socio-economic background",
                    (
                        ParentalOccupation.TECHNICAL,
                        ParentalOccupation.ROUTINE,
                        ParentalOccupation.UNEMPLOYED,
                    ),
                ),
                ("Other or not known", (ParentalOccupation.OTHER,)),
            ),
            detail=_each(ParentalOccupation),
        ),
        Characteristic(
            "local_area",
            "Local area",
            "learner_profile__local_area__name",
            None,
            prefer_not=False,
        ),
    )
}


STAGES = ("learners", "activated", "engaged", "completed")


@dataclass
class EquityRow(GroupCounts):
    kind: str = "group"  # "group", "prefer_not", "not_declared" or "total"


@dataclass
class EquityTable:
    characteristic: str
    label: str
    rows: list[EquityRow] = field(default_factory=list)  # groups, then prefer not, not declared
    total: EquityRow | None = None

    def row(self, group: str) -> EquityRow:
        return next(r for r in self.rows if r.group == group)


def group_expression(characteristic: Characteristic, detail: bool = False):
    """The row label of each learner, as a database expression."""
    if characteristic.groups is None:
        return Coalesce(F(characteristic.field), Value(NOT_DECLARED), output_field=CharField())
    groups = (characteristic.detail if detail else None) or characteristic.groups
    whens = [
        When(**{f"{characteristic.field}__in": list(values)}, then=Value(label))
        for label, values in groups
    ]
    if characteristic.prefer_not:
        whens.append(When(**{characteristic.field: PREFER_NOT}, then=Value(PREFER_NOT_LABEL)))
    return Case(*whens, default=Value(NOT_DECLARED), output_field=CharField())


def equity_breakdown(scope: Scope, characteristic: str, *, detail: bool = False) -> EquityTable:
    """The equity table of one characteristic (see CHARACTERISTICS) for the
    learners in scope. Every group of the question is listed, with zeros
    where nobody is in it (local areas: those with learners); then "Prefer
    not to say" (where offered) and "Not declared"; the total row covers
    everyone in scope. `detail=True` lists caring by its ONS bands and
    parental occupation by its eight answers. A fixed 5 queries: the cohort
    and pathway look-ups, then one grouped query over the facts
    (lms.reports.cohort_metrics.grouped_figures) for the groups and the
    total's median."""
    try:
        spec = CHARACTERISTICS[characteristic]
    except KeyError:
        raise ValueError(
            f"Unknown characteristic {characteristic!r}; "
            f"choose one of {', '.join(CHARACTERISTICS)}."
        ) from None
    everyone, counts = grouped_figures(scope, group_expression(spec, detail))
    if spec.groups is None:
        labels = sorted((g for g in counts if g != NOT_DECLARED), key=str.casefold)
    else:
        labels = [label for label, _ in ((spec.detail if detail else None) or spec.groups)]
    table_rows = [_row(counts.get(label), label, "group") for label in labels]
    if spec.prefer_not:
        table_rows.append(_row(counts.get(PREFER_NOT_LABEL), PREFER_NOT_LABEL, "prefer_not"))
    table_rows.append(_row(counts.get(NOT_DECLARED), NOT_DECLARED, "not_declared"))

    total = EquityRow(group=TOTAL, kind="total")
    for row in table_rows:
        for stage in STAGES:
            setattr(total, stage, getattr(total, stage) + getattr(row, stage))
            key = f"{stage}_key"
            setattr(total, key, getattr(total, key) + getattr(row, key))
        total.minutes += row.minutes
    total.median_minutes = everyone.median_minutes
    return EquityTable(characteristic=spec.name, label=spec.label, rows=table_rows, total=total)


def _row(counts: GroupCounts | None, label: str, kind: str) -> EquityRow:
    if counts is None:
        return EquityRow(group=label, kind=kind)
    return EquityRow(
        group=label,
        minutes=counts.minutes,
        median_minutes=counts.median_minutes,
        kind=kind,
        **{stage: getattr(counts, stage) for stage in STAGES},
        **{f"{stage}_key": getattr(counts, f"{stage}_key") for stage in STAGES},
    )
