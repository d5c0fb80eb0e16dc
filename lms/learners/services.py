"""Onboarding, the self-check history, and a learner's rights over their data:
a copy of everything held (export) and erasure (account deletion)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from lms.certificates.models import Certificate
from lms.nudges.models import Nudge, NudgePreference
from lms.pathways.models import PersonalPathway, PersonalPathwayItem
from lms.progress.models import CheckAnswer, Enrolment, LearningEvent, LessonProgress

from .models import LearnerProfile, SelfCheck, SelfCheckRating


def profile_of(user) -> LearnerProfile | None:
    return LearnerProfile.objects.select_related("sector", "seniority").filter(user=user).first()


def latest_ratings(user) -> dict[int, int]:
    latest = SelfCheck.objects.filter(user=user).order_by("-taken_at", "-id").first()
    if latest is None:
        return {}
    return dict(latest.ratings.values_list("skill_id", "rating"))


@transaction.atomic
def save_onboarding(user, form) -> LearnerProfile:
    """Saves profile and a new self-check sitting, then builds or extends the
    learner's personal pathway."""
    from lms.pathways.services import build_personal_pathway

    profile = form.save(commit=False)
    profile.user = user
    profile.save()
    sitting = SelfCheck.objects.create(user=user)
    SelfCheckRating.objects.bulk_create(
        SelfCheckRating(self_check=sitting, skill=skill, rating=rating)
        for skill, rating in form.ratings().items()
    )
    build_personal_pathway(user, profile)
    return profile


def rating_changes(user) -> list[dict]:
    """Per skill: first rating, latest rating and the change (two queries)."""
    sittings = list(SelfCheck.objects.filter(user=user).order_by("taken_at", "id")[:1]) + list(
        SelfCheck.objects.filter(user=user).order_by("-taken_at", "-id")[:1]
    )
    if not sittings:
        return []
    first_id, latest_id = sittings[0].pk, sittings[-1].pk
    rows = SelfCheckRating.objects.filter(self_check_id__in={first_id, latest_id}).select_related(
        "skill"
    )
    first, latest, names = {}, {}, {}
    for row in rows:
        names[row.skill_id] = row.skill.name
        if row.self_check_id == first_id:
            first[row.skill_id] = row.rating
        if row.self_check_id == latest_id:
            latest[row.skill_id] = row.rating
    return [
        {
            "skill": names[skill],
            "first": first.get(skill),
            "latest": latest[skill],
            "change": latest[skill] - first.get(skill, latest[skill]),
        }
        for skill in sorted(latest, key=lambda s: names[s])
    ]


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _title(page) -> str | None:
    return page.title if page else None


def export_personal_data(user, *, build_url=str) -> dict:
    """Everything held about `user`, ready for JSON (the right of access).
    `build_url` turns a site path into a full URL. The query count is fixed."""
    profile = (
        LearnerProfile.objects.select_related("seniority", "sector", "local_area")
        .filter(user=user)
        .first()
    )
    self_checks = SelfCheck.objects.filter(user=user).prefetch_related(
        Prefetch("ratings", queryset=SelfCheckRating.objects.select_related("skill"))
    )
    pathway = (
        PersonalPathway.objects.filter(user=user)
        .select_related("based_on")
        .prefetch_related(
            Prefetch("items", queryset=PersonalPathwayItem.objects.select_related("lesson"))
        )
        .first()
    )
    nudge_preference = NudgePreference.objects.filter(user=user).first()
    return {
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "single_sign_on": [
                {
                    "provider": account.provider,
                    "uid": account.uid,
                    "date_joined": _iso(account.date_joined),
                    "last_login": _iso(account.last_login),
                    "details": account.extra_data,
                }
                for account in SocialAccount.objects.filter(user=user).order_by("pk")
            ],
            # The kind of each second factor, never its secret.
            "two_factor_methods": [
                {
                    "type": method.get_type_display(),
                    "created_at": _iso(method.created_at),
                    "last_used_at": _iso(method.last_used_at),
                }
                for method in Authenticator.objects.filter(user=user).order_by("pk")
            ],
        },
        "learner_profile": profile
        and {
            "seniority": profile.seniority.name,
            "sector": profile.sector.name,
            "organisation_name": profile.organisation_name,
            "organisation_size": profile.get_organisation_size_display(),
            "local_area": profile.local_area.name if profile.local_area else None,
            "time_zone": profile.time_zone,
            "onboarded_at": _iso(profile.onboarded_at),
            "updated_at": _iso(profile.updated_at),
        },
        "self_checks": [
            {
                "taken_at": _iso(sitting.taken_at),
                "ratings": [
                    {"skill": rating.skill.name, "rating": rating.rating}
                    for rating in sorted(sitting.ratings.all(), key=lambda r: r.skill.name)
                ],
            }
            for sitting in self_checks
        ],
        "enrolments": [
            {
                "course": _title(enrolment.course),
                "enrolled_at": _iso(enrolment.enrolled_at),
                "completed_at": _iso(enrolment.completed_at),
            }
            for enrolment in Enrolment.objects.filter(user=user)
            .select_related("course")
            .order_by("enrolled_at", "pk")
        ],
        "lesson_progress": [
            {
                "course": _title(progress.course),
                "lesson": _title(progress.lesson),
                "started_at": _iso(progress.started_at),
                "completed_at": _iso(progress.completed_at),
                "seconds_spent": progress.seconds_spent,
            }
            for progress in LessonProgress.objects.filter(user=user)
            .select_related("course", "lesson")
            .order_by("started_at", "pk")
        ],
        "knowledge_check_answers": [
            {
                "lesson": _title(answer.lesson),
                "check": answer.block_id,
                "attempts": answer.attempts,
                "first_attempt_correct": answer.first_attempt_correct,
                "last_correct": answer.last_correct,
                "first_answered_at": _iso(answer.first_answered_at),
                "last_answered_at": _iso(answer.last_answered_at),
            }
            for answer in CheckAnswer.objects.filter(user=user)
            .select_related("lesson")
            .order_by("first_answered_at", "pk")
        ],
        "learning_events": [
            {
                "id": str(event.uuid),
                "verb": event.verb,
                "course": _title(event.course),
                "lesson": _title(event.lesson),
                "result": event.result,
                "occurred_at": _iso(event.occurred_at),
            }
            for event in LearningEvent.objects.filter(user=user)
            .select_related("course", "lesson")
            .order_by("occurred_at", "pk")
        ],
        "personal_pathway": pathway
        and {
            "based_on": pathway.based_on.title if pathway.based_on else None,
            "created_at": _iso(pathway.created_at),
            "items": [
                {
                    "position": item.position,
                    "lesson": _title(item.lesson),
                    "reason": item.reason,
                    "added_at": _iso(item.added_at),
                }
                for item in pathway.items.all()
            ],
        },
        "nudge_preferences": nudge_preference
        and {
            "cadence": nudge_preference.get_cadence_display(),
            "days": nudge_preference.days,
            "hour": nudge_preference.hour,
            "next_lesson": nudge_preference.want_next_lesson,
            "streak_at_risk": nudge_preference.want_streak,
            "new_in_sector": nudge_preference.want_new_in_sector,
            "unsubscribed_at": _iso(nudge_preference.unsubscribed_at),
            "email_status": nudge_preference.get_email_status_display(),
        },
        **_cohort_and_equity_data(user),
        "nudges": [
            {
                "kind": nudge.get_kind_display(),
                "due_at": _iso(nudge.due_at),
                "status": nudge.get_status_display(),
                "lesson": _title(nudge.lesson),
                "reason": nudge.reason,
                "sent_at": _iso(nudge.sent_at),
                "clicked_at": _iso(nudge.clicked_at),
            }
            for nudge in Nudge.objects.filter(user=user)
            .select_related("lesson")
            .order_by("due_at", "pk")
        ],
        "certificates": [
            {
                "course": certificate.course_title,
                "partner": certificate.partner_name,
                "name_on_certificate": certificate.learner_name,
                "minutes": certificate.minutes,
                "issued_at": _iso(certificate.issued_at),
                "code": str(certificate.code),
                "url": build_url(certificate.get_absolute_url()),
            }
            for certificate in Certificate.objects.filter(user=user).order_by("issued_at", "pk")
        ],
    }


@transaction.atomic
def _cohort_and_equity_data(user) -> dict:
    """The learner's own cohort memberships and their own equity answers
    (their right of access; nobody else can see answers of one person)."""
    from lms.cohorts.models import Membership
    from lms.equity.models import AuditEntry, EquityProfile, EquityPrompt

    equity = EquityProfile.objects.filter(user=user).first()
    prompt = EquityPrompt.objects.filter(user=user).first()
    return {
        "cohorts": [
            {
                "cohort": membership.cohort.name,
                "programme": membership.cohort.programme.name,
                "joined_at": _iso(membership.joined_at),
            }
            for membership in Membership.objects.filter(user=user)
            .select_related("cohort__programme")
            .order_by("joined_at", "pk")
        ],
        "equity_profile": equity
        and {
            "consent_version": equity.consent_version,
            "consented_at": _iso(equity.consented_at),
            **{
                question: getattr(equity, f"get_{question}_display")() or "Not answered"
                for question in EquityProfile.QUESTIONS
            },
        },
        "equity_prompt_dismissed_at": _iso(prompt.dismissed_at) if prompt else None,
        "equity_report_audit": [
            {"action": entry.get_action_display(), "filters": entry.filters, "at": _iso(entry.at)}
            for entry in AuditEntry.objects.filter(user=user).order_by("at", "pk")
        ],
    }


def delete_account(user) -> int:
    """Erases the person (the right to erasure). Their learning events stay, so
    programme totals stay true, but anonymous: no user and no dedupe key (which
    names the user's id). Everything else personal cascades from the user row:
    profile, self-checks, enrolments, progress, answers, personal pathway,
    certificates, email addresses, SSO links and second factors. Returns the
    number of events anonymised."""
    anonymised = LearningEvent.objects.filter(user=user).update(user=None, dedupe_key=None)
    # Nudges stay as anonymous counts for the weekly report (user becomes NULL).
    Nudge.objects.filter(user=user).update(user=None, reason="", details={})
    user.delete()
    return anonymised
