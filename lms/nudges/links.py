"""Signed links in nudge emails. Both carry ids signed with SECRET_KEY (and a
salt of their own), so neither can be forged or edited to point at another
learner; nothing needs storing to check them."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

CLICK_SALT = "nudges.click"
UNSUBSCRIBE_SALT = "nudges.unsubscribe"


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def click_token(nudge) -> str:
    return signing.dumps(nudge.pk, salt=CLICK_SALT, compress=True)


def click_url(nudge) -> str:
    return absolute(reverse("nudge_click", args=[click_token(nudge)]))


def nudge_id_from_click(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=CLICK_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def unsubscribe_token(nudge) -> str:
    return signing.dumps([nudge.user_id, nudge.pk], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(nudge) -> str:
    return absolute(reverse("nudge_unsubscribe", args=[unsubscribe_token(nudge)]))


def ids_from_unsubscribe(token: str) -> tuple[int, int] | None:
    try:
        user_id, nudge_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(user_id), int(nudge_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None
