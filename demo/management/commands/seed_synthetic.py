from django.core.management.base import BaseCommand

from courses.synthetic import build_catalogue


class Command(BaseCommand):
    help = "Add a synthetic catalogue of published lessons (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--lessons", type=int, default=1000)
        parser.add_argument("--per-course", type=int, default=5)

    def handle(self, *args, lessons, per_course, **options):
        build_catalogue(lessons=lessons, lessons_per_course=per_course)
        self.stdout.write(self.style.SUCCESS(f"Added {lessons} synthetic lessons."))
