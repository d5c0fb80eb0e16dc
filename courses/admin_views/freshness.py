"""Wagtail admin screens: freshness (registers its own hooks)."""
