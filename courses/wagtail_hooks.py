"""Each admin screen registers its own hooks in its module."""

from .admin_views import freshness, guards, review, scoping, zip_import  # noqa: F401
