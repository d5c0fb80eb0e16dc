"""Wagtail admin screens: review (registers its own hooks)."""
