"""Each admin screen registers its own hooks in its module."""

from .admin_views import authoring_guide, freshness, guards, review, scoping, zip_import  # noqa: F401
