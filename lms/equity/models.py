"""The optional equity profile: stored apart from the learner profile, given
with explicit consent, read only in aggregate (lms.reports.equity_metrics). Nothing
that decides about one learner (recommendations, nudges) may read it; a test
enforces that boundary. There is no per-learner view or export of it."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models

from .signals import record_keys_drawn

KEY_RANGE = 256  # record keys (and cell keys, lms.reports.ptable) are 0..255
PREFER_NOT = "prefer_not"
NOT_ASKED = ""  # the question was not answered at all (as opposed to PREFER_NOT)


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", "Under 25"
    A25_34 = "25_34", "25 to 34"
    A35_44 = "35_44", "35 to 44"
    A45_54 = "45_54", "45 to 54"
    A55_64 = "55_64", "55 to 64"
    A65_PLUS = "65_plus", "65 or over"
    PREFER_NOT_TO_SAY = PREFER_NOT, "Prefer not to say"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    PREFER_NOT_TO_SAY = PREFER_NOT, "Prefer not to say"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT_TO_SAY = PREFER_NOT, "Prefer not to say"


class EthnicGroup(models.TextChoices):
    """The ONS 2021 Census high-level ethnic groups (England and Wales)."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT_TO_SAY = PREFER_NOT, "Prefer not to say"


class Caring(models.TextChoices):
    """ONS 2021 Census unpaid care question, in its bands."""

    NO = "no", "No"
    UNDER_20 = "under_20", "Yes, 19 hours a week or less"
    H20_49 = "20_49", "Yes, 20 to 49 hours a week"
    H50_PLUS = "50_plus", "Yes, 50 or more hours a week"
    PREFER_NOT_TO_SAY = PREFER_NOT, "Prefer not to say"


class ParentalOccupation(models.TextChoices):
    """The UK civil service socio-economic background question: the main
    household earner's occupation when the learner was about 14."""

    PROFESSIONAL = "professional", "Modern or traditional professional occupations"
    MANAGER = "manager", "Senior, middle or junior managers or administrators"
    CLERICAL = "clerical", "Clerical and intermediate occupations"
    SMALL_BUSINESS = "small_business", "Small business owners who employed fewer than 25 people"
    TECHNICAL = "technical", "Technical and craft occupations"
    ROUTINE = "routine", "Routine, semi-routine manual and service occupations"
    UNEMPLOYED = "unemployed", "Long-term unemployed"
    OTHER = "other", "Other, such as retired, does not apply, or I don't know"
    PREFER_NOT_TO_SAY = PREFER_NOT, "Prefer not to say"


class EquityProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="equity_profile"
    )
    # Consent: when it was given, to which version of the wording.
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    age_band = models.CharField(max_length=20, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True)
    gender_same_as_birth = models.CharField(max_length=20, choices=YesNo.choices, blank=True)
    ethnic_group = models.CharField(max_length=20, choices=EthnicGroup.choices, blank=True)
    disability = models.CharField(max_length=20, choices=YesNo.choices, blank=True)
    caring = models.CharField(max_length=20, choices=Caring.choices, blank=True)
    parental_occupation = models.CharField(
        max_length=20, choices=ParentalOccupation.choices, blank=True
    )

    QUESTIONS = (
        "age_band",
        "sex",
        "gender_same_as_birth",
        "ethnic_group",
        "disability",
        "caring",
        "parental_occupation",
    )

    class Meta:
        # No admin, no per-learner listing: default permissions only for the
        # aggregate report's gate.
        default_permissions = ()
        permissions = [("view_equity_metrics", "Can view aggregate equity metrics")]

    def __str__(self):
        return "Equity profile"  # never the person's name or answers


class EquityPrompt(models.Model):
    """That the learner was asked (after onboarding) and answered "not now":
    so they are not asked again. Holds no equity data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="equity_prompt"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Equity questions dismissed {self.dismissed_at:%Y-%m-%d}"


class AuditEntry(models.Model):
    """Every view and export of equity metrics."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        EXPORT = "export", "Exported"
        # Only in entries from before the cell key method, when a selection
        # close to an earlier one was refused; nothing is refused now.
        REFUSED = "refused", "Refused (too few learners between filters)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_email = models.CharField(max_length=254)  # kept if the account is deleted
    action = models.CharField(max_length=10, choices=Action.choices)
    filters = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.user_email} {self.action} {self.at:%Y-%m-%d %H:%M}"


def draw_record_key() -> int:
    """A fresh record key: uniform on 0..255, from the operating system's
    cryptographic random source."""
    return secrets.randbelow(KEY_RANGE)


class RecordKeyQuerySet(models.QuerySet):
    def ensure_for(self, user_ids) -> int:
        """Draws a key for each of `user_ids` (ids, or a queryset of them, such
        as lms.reports.cohort_metrics.learners_in(scope)) that has none yet. One
        query, and one insert only when some are missing; a key once stored
        is never replaced (a concurrent insert of the same learner's key is
        ignored, and the stored one is what every report reads). Sends
        record_keys_drawn for the people it drew for. Returns how many keys
        were drawn."""
        missing = list(
            get_user_model()
            .objects.filter(pk__in=user_ids, record_key__isnull=True)
            .values_list("pk", flat=True)
        )
        if missing:
            self.bulk_create(
                [RecordKey(user_id=pk, key=draw_record_key()) for pk in missing],
                ignore_conflicts=True,
                batch_size=1000,
            )
            record_keys_drawn.send(sender=RecordKey, user_ids=missing)
        return len(missing)


class RecordKey(models.Model):
    """The learner's record key for the cell key method of the equity and
    cohort reports (lms.reports.ptable): drawn once, kept for the life of the
    account, deleted with it. It is not about the person and says nothing
    about them, but it must stay secret: anyone who knew the keys could take
    the noise out of the reports. It is in no admin, view, export or log, and
    no template shows it; the reports read it only as a sum inside their
    grouped queries. Kept apart from the learner profile because a cohort
    member need not have a profile, and so nothing that shows or exports a
    profile can carry it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="record_key",
    )
    key = models.PositiveSmallIntegerField(default=draw_record_key)

    objects = RecordKeyQuerySet.as_manager()

    class Meta:
        default_permissions = ()

    def __str__(self):
        return "Record key"  # never the key
