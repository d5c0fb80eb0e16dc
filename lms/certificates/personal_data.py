"""What the certificates app holds about a person: their certificates (which
carry their name). Erasing deletes them, so their public links stop working."""

from lms.core import personal_data

from .models import Certificate


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    return {
        "certificates": [
            {
                "course": certificate.course_title,
                "partner": certificate.partner_name,
                "name_on_certificate": certificate.learner_name,
                "minutes": certificate.minutes,
                "issued_at": iso(certificate.issued_at),
                "code": str(certificate.code),
                "url": build_url(certificate.get_absolute_url()),
                "verify_url": build_url(certificate.get_verify_url()),
            }
            for certificate in Certificate.objects.filter(user=user).order_by("issued_at", "pk")
        ]
    }


def erase(user) -> None:
    Certificate.objects.filter(user=user).delete()


personal_data.register(
    "certificates", models=["certificates.Certificate"], export=export, erase=erase
)
