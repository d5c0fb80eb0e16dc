"""Which lesson is "your next five minutes", and why.

A pure function of plain data, so the same inputs always give the same answer
and tests can pin its behaviour on named profiles. It weighs, per candidate
(the first unfinished lesson of each course):

- a course the learner has started (finish what you began),
- the learner's sector (or a cross-sector course),
- their seniority level,
- their self-check gaps (5 minus their rating, for the course's skills),
- their personal pathway order,
- freshness (published in the last 30 days),

and never offers what is already done. Equity data is not an input.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

STARTED_COURSE = 4.0
SECTOR = 3.0
CROSS_SECTOR = 1.0
SENIORITY = 2.0
GAP_PER_POINT = 1.0
PATHWAY = 2.0
FRESH = 1.0
FRESH_FOR = timedelta(days=30)


@dataclass(frozen=True)
class LearnerFacts:
    sector_id: int
    sector_name: str
    seniority_id: int
    seniority_name: str
    ratings: dict[int, int] = field(default_factory=dict)  # skill id -> 1..5
    skill_names: dict[int, str] = field(default_factory=dict)
    completed: frozenset[int] = frozenset()  # lesson ids
    started_courses: frozenset[int] = frozenset()  # course ids, not finished
    pathway_positions: dict[int, int] = field(default_factory=dict)  # lesson id -> position
    today: date = date(2026, 1, 1)


@dataclass(frozen=True)
class CandidateLesson:
    lesson_id: int
    course_id: int
    course_title: str
    title: str
    order: int
    sector_ids: frozenset[int]
    cross_sector: bool
    seniority_ids: frozenset[int]
    skill_ids: frozenset[int]
    published: date | None = None


@dataclass(frozen=True)
class Recommendation:
    lesson_id: int
    score: float
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        if not self.reasons:
            return "Because it is a good place to start."
        return "Because " + " and ".join(self.reasons[:2]) + "."


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


def next_lessons(lessons: list[CandidateLesson], completed: frozenset[int]):
    """The first unfinished lesson of each course, in course order."""
    firsts: dict[int, CandidateLesson] = {}
    for lesson in sorted(lessons, key=lambda c: (c.course_id, c.order)):
        if lesson.lesson_id in completed or lesson.course_id in firsts:
            continue
        firsts[lesson.course_id] = lesson
    return list(firsts.values())


def score(facts: LearnerFacts, lesson: CandidateLesson) -> tuple[float, list[str]]:
    """Returns the score and the reasons, most important first."""
    total = 0.0
    reasons: list[str] = []
    if lesson.course_id in facts.started_courses:
        total += STARTED_COURSE
        reasons.append(f"you started “{lesson.course_title}”")
    if facts.sector_id in lesson.sector_ids:
        total += SECTOR
        reasons.append(f"you lead in {lower_first(facts.sector_name)}")
    elif lesson.cross_sector:
        total += CROSS_SECTOR
    gaps = [
        (5 - facts.ratings[skill], skill) for skill in lesson.skill_ids if skill in facts.ratings
    ]
    if gaps:
        gap, skill = max(gaps, key=lambda g: (g[0], -g[1]))
        if gap > 0:
            total += gap * GAP_PER_POINT
            name = lower_first(facts.skill_names.get(skill, "this skill"))
            if gap >= 2:
                reasons.append(f"you rated {name} {facts.ratings[skill]}/5")
    position = facts.pathway_positions.get(lesson.lesson_id)
    if position is not None:
        total += PATHWAY + 1.0 / (1 + position)
        reasons.append("it is next on your pathway")
    if facts.seniority_id in lesson.seniority_ids:
        total += SENIORITY
        reasons.append(f"it is written for {lower_first(facts.seniority_name)} roles")
    if lesson.published and timedelta(0) <= facts.today - lesson.published <= FRESH_FOR:
        total += FRESH
        reasons.append("it is new")
    return total, reasons


def recommend(facts: LearnerFacts, lessons: list[CandidateLesson]) -> Recommendation | None:
    best = None
    for lesson in next_lessons(lessons, facts.completed):
        total, reasons = score(facts, lesson)
        key = (
            -total,
            facts.pathway_positions.get(lesson.lesson_id, 10**9),
            lesson.course_title,
            lesson.order,
            lesson.lesson_id,
        )
        if best is None or key < best[0]:
            best = (key, Recommendation(lesson.lesson_id, total, tuple(reasons)))
    return best[1] if best else None
