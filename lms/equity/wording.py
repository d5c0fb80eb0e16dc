"""What we tell a learner before they answer the equity questions, and what
they agree to. Consent is recorded against a version of this wording, so a
change of meaning gets a new version (and learners are asked again); earlier
versions stay here so a recorded consent can always be read in full."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    version: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, paragraphs)
    consent: str


WORDINGS = {
    "2026-11": Wording(
        version="2026-11",
        sections=(
            (
                "Why we ask",
                (
                    "Five Minute AI is paid for to help every leader in the West Midlands, "
                    "not only some. These questions show us whether the programme reaches "
                    "everyone, and who is being left behind, so we can fix it.",
                ),
            ),
            (
                "It is up to you",
                (
                    "Every question is optional, and each has “Prefer not to say”. "
                    "If you do not answer, nothing else changes: you get the same lessons, "
                    "recommendations, emails and certificates either way.",
                ),
            ),
            (
                "Who sees what",
                (
                    "Your answers are kept apart from your profile. Only our equity analysts "
                    "see them, and only as counts for groups large enough that nobody can "
                    "be picked out. Nobody sees your own answers: not your organisation, "
                    "not course partners, not our staff. They are never used to make a "
                    "decision about you.",
                ),
            ),
            (
                "Changing your mind",
                (
                    "You can change your answers at any time on this page. You can also "
                    "withdraw your consent: we then delete your answers.",
                ),
            ),
            (
                "Our lawful basis",
                (
                    "Some of these questions are about special category data, such as "
                    "ethnic group and health. We only keep your answers with your explicit "
                    "consent, under UK GDPR Article 9(2)(a).",
                ),
            ),
        ),
        consent=(
            "I agree to Five Minute AI keeping my answers to these questions, to report on "
            "who the programme reaches in counts that never show one person."
        ),
    ),
}

CONSENT_VERSION = "2026-11"
CURRENT = WORDINGS[CONSENT_VERSION]
