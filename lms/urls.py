from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from content.views import brand_stylesheet
from courses.admin_views import scoping
from lms.accounts.views import sign_in_through_allauth
from lms.core.views import healthz, server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("brand.css", brand_stylesheet, name="brand_stylesheet"),
    path("", include("home.urls")),
    path("", include("lms.learners.urls")),
    # Every sign-in goes through allauth (codes, two-factor, rate limits): the
    # Wagtail and Django admin forms and Wagtail's page-privacy form would sign
    # people in with a password alone (tests/test_url_sweep.py).
    path("admin/login/", sign_in_through_allauth),
    path("django-admin/login/", sign_in_through_allauth),
    path("_util/login/", sign_in_through_allauth),
    # Wagtail admin screens that would name another partner's drafts.
    path("admin/", include(scoping.urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("lms.certificates.urls")),
    path("", include("lms.progress.urls")),
    path("", include("lms.personal_data.urls")),
    path("", include("lms.nudges.urls")),
    path("", include("lms.cohorts.urls")),
    path("", include("lms.pathways.urls")),
    path("", include("lms.equity.urls")),
    path("", include("lms.reports.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Single-machine setups only; past one machine media lives in object storage.
    urlpatterns += [
        # Documents only through Wagtail's serve view, which checks collection
        # view restrictions; images' files are public.
        re_path(
            r"^media/(?P<path>(?!documents/).*)$", serve, {"document_root": settings.MEDIA_ROOT}
        ),
    ]

urlpatterns += [path("", include(wagtail_urls))]

handler500 = server_error
