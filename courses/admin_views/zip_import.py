"""Wagtail admin screens: zip_import (registers its own hooks)."""
