"""Wagtail admin screens: analytics (registers its own hooks)."""
