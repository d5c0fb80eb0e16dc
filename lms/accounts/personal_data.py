"""The account and what is attached to it by Django, allauth and Wagtail's
user admin: email addresses, single sign-on links, second factors, sessions,
admin preferences and API tokens. Erased last: deleting the user row is the
final step of erasing a person (lms.core.personal_data)."""

from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from wagtail.models import APIToken, ModelLogEntry
from wagtail.users.models import UserProfile

from lms.core import personal_data

# What an audit row about a deleted account says instead of its name.
DELETED = "Deleted account"


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    profile = UserProfile.objects.filter(user=user).first()
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "single_sign_on": [
                {
                    "provider": account.provider,
                    "uid": account.uid,
                    "date_joined": iso(account.date_joined),
                    "last_login": iso(account.last_login),
                    "details": account.extra_data,
                }
                for account in SocialAccount.objects.filter(user=user).order_by("pk")
            ],
            # The kind of each second factor, never its secret.
            "two_factor_methods": [
                {
                    "type": method.get_type_display(),
                    "created_at": iso(method.created_at),
                    "last_used_at": iso(method.last_used_at),
                }
                for method in Authenticator.objects.filter(user=user).order_by("pk")
            ],
            "admin_preferences": profile
            and {
                "preferred_language": profile.preferred_language,
                "current_time_zone": profile.current_time_zone,
                "admin_theme": profile.theme,
                "has_avatar": bool(profile.avatar),
                "submitted_notifications": profile.submitted_notifications,
                "approved_notifications": profile.approved_notifications,
                "rejected_notifications": profile.rejected_notifications,
                "updated_comments_notifications": profile.updated_comments_notifications,
            },
            "api_tokens": [
                {"name": token.name, "created_at": iso(token.created)}
                for token in APIToken.objects.filter(user=user).order_by("pk")
            ],
        }
    }


def erase_sessions(user) -> int:
    """Signs the person out everywhere: deletes every stored session of theirs
    (for database-backed session engines; cookie sessions die with the
    account, cache-only ones expire)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    their_id = str(user.pk)
    sessions = store_class.get_model_class().objects.only("session_key", "session_data")
    keys = [
        session.session_key
        for session in sessions.iterator(chunk_size=500)
        if store_class().decode(session.session_data).get(SESSION_KEY) == their_id
    ]
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)


def erase(user) -> None:
    """Sessions, second factors, SSO links, addresses, admin preferences and
    tokens, then the user row. Audit rows about the account (Django's and
    Wagtail's admin logs) stay, without its name."""
    erase_sessions(user)
    user_type = ContentType.objects.get_for_model(user)
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        object_repr=DELETED, change_message=""
    )
    ModelLogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        label=DELETED, data={}
    )
    Authenticator.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()  # and their tokens
    EmailAddress.objects.filter(user=user).delete()  # and their confirmations
    for profile in UserProfile.objects.filter(user=user):
        if profile.avatar:
            profile.avatar.delete(save=False)  # their photo, from storage too
        profile.delete()
    APIToken.objects.filter(user=user).delete()
    # Cascades: group memberships, permissions, Django admin log rows by them.
    user.delete()


personal_data.register(
    "accounts",
    models=[
        settings.AUTH_USER_MODEL,
        "account.EmailAddress",
        "mfa.Authenticator",
        "socialaccount.SocialAccount",
        "sessions.Session",
        "admin.LogEntry",
        "wagtailusers.UserProfile",
        "wagtailcore.APIToken",
    ],
    export=export,
    erase=erase,
    last=True,
)
