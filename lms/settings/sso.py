"""Single sign-on with an organisation's Google or Microsoft account.

A provider is installed only when its client id and secret are in the
environment, so an unconfigured provider shows no button and has no URLs. The
apps live in settings (SOCIALACCOUNT_PROVIDERS "APPS"), not in the database."""

from collections.abc import Mapping

GOOGLE_APP = "allauth.socialaccount.providers.google"
MICROSOFT_APP = "allauth.socialaccount.providers.microsoft"


def single_sign_on(environ: Mapping[str, str]) -> tuple[list[str], dict]:
    """Return (provider apps to install, SOCIALACCOUNT_PROVIDERS) for `environ`."""
    apps: list[str] = []
    providers: dict = {}

    google_id = environ.get("SSO_GOOGLE_CLIENT_ID", "").strip()
    google_secret = environ.get("SSO_GOOGLE_SECRET", "").strip()
    if google_id and google_secret:
        apps.append(GOOGLE_APP)
        providers["google"] = {
            "APPS": [{"client_id": google_id, "secret": google_secret}],
            "SCOPE": ["profile", "email"],
            "AUTH_PARAMS": {"access_type": "online"},
        }

    microsoft_id = environ.get("SSO_MICROSOFT_CLIENT_ID", "").strip()
    microsoft_secret = environ.get("SSO_MICROSOFT_SECRET", "").strip()
    if microsoft_id and microsoft_secret:
        apps.append(MICROSOFT_APP)
        providers["microsoft"] = {
            "APPS": [
                {
                    "client_id": microsoft_id,
                    "secret": microsoft_secret,
                    # "organizations": any work or school account; a tenant id
                    # limits sign-in to one organisation's directory.
                    "settings": {
                        "tenant": environ.get("SSO_MICROSOFT_TENANT", "").strip() or "organizations"
                    },
                }
            ],
        }
    return apps, providers
