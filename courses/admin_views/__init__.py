"""Wagtail admin screens for partner authoring, one module each."""
