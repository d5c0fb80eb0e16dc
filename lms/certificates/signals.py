"""Finishing a course issues its certificate: lms.progress sends
`course_completed` and knows nothing of certificates."""

from django.dispatch import receiver

from lms.progress.signals import course_completed

from .services import issue_certificate


@receiver(course_completed, dispatch_uid="certificates.issue_on_course_completed")
def issue_on_course_completed(sender, user, course, completed_at, **kwargs):
    # The return value reaches the caller: Completion.certificate.
    return issue_certificate(user, course, completed_at)
