"""Demo re-ratings for the Skills gaps report (lms.reports.skills_gaps), so
its heat map shows change and gaps on a fresh `make run`.

The synthetic programme's learners (demo.programme) take the self-check at
onboarding with ratings that do not depend on their sector, and a quarter
of them take it again. Here, about half of those who took it once take it a
second time eight weeks later (only if that is in the past), their new
ratings their first ones moved by an invented amount per sector and skill:
most go up a point after the lessons, a few sector-skill pairs stay low or
drop (the GAPS below), so the map has gaps to show. Cells of small groups
(a cohort, a local area's seniority level) stay hidden under the disclosure
rules.

Deterministic (who re-rates, and by how much, comes from a hash of their
email address and the skill) and idempotent: a learner chosen has two
sittings after the first run, so a second run adds nothing. Bulk inserts,
a few queries in all. Invented data; nothing here is evidence about anyone."""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from lms.learners.models import SelfCheck, SelfCheckRating
from lms.reports.facts import recompute_skill_facts

from .programme import DOMAIN

RERATE_SHARE = 55  # per cent of the learners with one sitting
RERATE_AFTER = timedelta(weeks=8)
# (sector slug, skill slug): the change on re-rating; every other pair +1.
GAPS = {
    ("health-tech", "governance-ethics"): -1,
    ("health-tech", "regulation-risk"): 0,
    ("advanced-manufacturing", "buying-ai"): -1,
    ("advanced-manufacturing", "data-readiness"): 0,
    ("creative-immersive", "regulation-risk"): -1,
    ("creative-immersive", "generative-ai"): 2,
}


def _draw(*parts: str) -> int:
    """A number 0–99 fixed by `parts`."""
    return int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16) % 100


@transaction.atomic
def ensure_rerated(now=None) -> int:
    """Adds the re-ratings; returns how many sittings it added."""
    now = now or timezone.now()
    sittings = list(
        SelfCheck.objects.filter(user__email__endswith=f"@{DOMAIN}")
        .select_related("user__learner_profile__sector")
        .order_by("user_id", "taken_at", "pk")
    )
    by_user: dict[int, list[SelfCheck]] = {}
    for sitting in sittings:
        by_user.setdefault(sitting.user_id, []).append(sitting)
    chosen = [
        only[0]
        for only in by_user.values()
        if len(only) == 1
        and only[0].taken_at + RERATE_AFTER < now
        and _draw(only[0].user.email) < RERATE_SHARE
        and hasattr(only[0].user, "learner_profile")
    ]
    if not chosen:
        return 0
    firsts = SelfCheckRating.objects.filter(self_check__in=chosen).select_related("skill")
    ratings_of: dict[int, list[SelfCheckRating]] = {}
    for rating in firsts:
        ratings_of.setdefault(rating.self_check_id, []).append(rating)
    new = SelfCheck.objects.bulk_create(
        [SelfCheck(user_id=first.user_id) for first in chosen], batch_size=1000
    )
    ratings = []
    for first, again in zip(chosen, new, strict=True):
        sector = first.user.learner_profile.sector.slug
        for old in ratings_of.get(first.pk, []):
            move = GAPS.get((sector, old.skill.slug), 1)
            wobble = _draw(first.user.email, old.skill.slug)
            move += -1 if wobble < 15 else (1 if wobble > 90 else 0)
            ratings.append(
                SelfCheckRating(
                    self_check=again, skill=old.skill, rating=min(5, max(1, old.rating + move))
                )
            )
    SelfCheckRating.objects.bulk_create(ratings, batch_size=2000)
    # taken_at is auto_now_add: date each new sitting eight weeks after its first
    for first, again in zip(chosen, new, strict=True):
        again.taken_at = first.taken_at + RERATE_AFTER
    SelfCheck.objects.bulk_update(new, ["taken_at"], batch_size=1000)
    recompute_skill_facts([first.user_id for first in chosen])  # bulk writes send no signals
    return len(new)
