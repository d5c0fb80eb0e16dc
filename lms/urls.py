from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms.accounts.views import admin_login
from lms.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("home.urls")),
    path("", include("lms.learners.urls")),
    # Both admins sign in through allauth (codes, two-factor, rate limits).
    path("admin/login/", admin_login),
    path("django-admin/login/", admin_login),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("lms.certificates.urls")),
    path("", include("lms.learners.urls_data")),
    path("", include("lms.nudges.urls")),
    path("", include("lms.cohorts.urls")),
    path("", include("lms.equity.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    from django.urls import re_path
    from django.views.static import serve

    # Single-machine setups only; past one machine media lives in object storage.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]
