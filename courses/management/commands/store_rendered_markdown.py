"""Stores the rendered Markdown of course and lesson pages that lack it or
hold it from another rendering (after Python-Markdown, nh3 or the allowed
tags changed). Pages render what they did not store on each request until
then; saving a page stores it too."""

from django.core.management.base import BaseCommand

from courses.models import CoursePage, LessonPage
from courses.stored_markdown import store_all


class Command(BaseCommand):
    help = "Store the rendered Markdown of pages that lack it or hold an older rendering."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every page, not only stale ones.")

    def handle(self, *args, all=False, **options):
        count = store_all(LessonPage, CoursePage, stale_only=not all)
        self.stdout.write(f"Stored the rendered Markdown of {count} pages.")
