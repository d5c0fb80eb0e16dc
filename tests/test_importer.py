from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from content.importer import LibraryImportError, import_library
from content.models import Sector, SeniorityLevel
from courses.models import CoursePage, LessonPage

TAXONOMY = """\
sectors:
  - {slug: health-tech, name: Health tech}
seniority_levels:
  - {slug: board, name: Board, rank: 1}
skills:
  - {slug: data-readiness, name: Data readiness}
partners:
  - {slug: test-college, name: Test College}
"""
COURSE = """\
---
title: Data for boards
summary: What boards ask about data.
partner: test-college
sectors: [health-tech]
seniority: [board]
skills: [data-readiness]
learning_outcomes:
  - Ask about data quality
review_by: 2027-06-30
---
An introduction.
"""
LESSON = """\
---
title: {title}
summary: A short lesson.
---
Some **prose** for the lesson.

::: takeaway
Remember this.
:::

::: check
question: Which is right?
options:
  - This one
  - That one
correct: [1]
explanation: Because.
:::

::: action
Do this.
:::

::: sources
- [AI Playbook](https://www.gov.uk/government/publications/ai-playbook) — UK Government
:::
"""


def write_library(root: Path, courses=None):
    (root / "taxonomy.yaml").write_text(TAXONOMY)
    for slug, lessons in (courses or {"data-for-boards": ["Lesson one", "Lesson two"]}).items():
        folder = root / slug
        folder.mkdir()
        (folder / "course.md").write_text(COURSE)
        for number, title in enumerate(lessons, 1):
            (folder / f"{number:02d}-lesson-{number}.md").write_text(LESSON.format(title=title))
    return root


def problems_of(root):
    with pytest.raises(LibraryImportError) as caught:
        import_library(root)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.django_db
def test_starter_library_covers_every_sector_and_seniority_level():
    report = import_library(Path(settings.FMA_LIBRARY_DIR))
    assert report.counts["lessons created"] == 0, "the session already imported it once"
    courses = CoursePage.objects.live()
    assert courses.count() >= 8
    assert LessonPage.objects.live().count() >= 30
    for sector in Sector.objects.all():
        assert courses.filter(sectors=sector).exists(), sector
    for level in SeniorityLevel.objects.all():
        assert courses.filter(seniority_levels=level).exists(), level
    assert courses.filter(title__icontains="scan, pilot").exists()
    for lesson in LessonPage.objects.live():
        types = {block.block_type for block in lesson.body}
        assert {"knowledge_check", "action", "sources"} <= types, lesson.title
        assert lesson.reading_seconds <= 300, lesson.title


@pytest.mark.django_db
def test_reimporting_changes_nothing_and_adds_no_revisions(tmp_path):
    root = write_library(tmp_path)
    first = import_library(root)
    assert first.counts["lessons created"] == 2
    revisions = Revision.objects.count()
    second = import_library(root)
    assert second.counts["lessons unchanged"] == 2
    assert second.counts["courses unchanged"] == 1
    assert Revision.objects.count() == revisions
    assert LessonPage.objects.child_of(CoursePage.objects.get(slug="data-for-boards")).count() == 2


@pytest.mark.django_db
def test_reimport_updates_changed_lessons_in_place_and_keeps_file_order(tmp_path):
    root = write_library(tmp_path)
    import_library(root)
    folder = root / "data-for-boards"
    (folder / "02-lesson-2.md").write_text(LESSON.format(title="Lesson two, revised"))
    (folder / "00-lesson-0.md").write_text(LESSON.format(title="A new first lesson"))
    report = import_library(root)
    assert report.counts["lessons updated"] == 1
    assert report.counts["lessons created"] == 1
    course = CoursePage.objects.get(slug="data-for-boards")
    titles = list(
        LessonPage.objects.child_of(course).live().order_by("path").values_list("title", flat=True)
    )
    assert titles == ["A new first lesson", "Lesson one", "Lesson two, revised"]
    course.refresh_from_db()
    assert course.lesson_count == 3


@pytest.mark.django_db
def test_a_bad_file_imports_nothing_at_all(tmp_path):
    root = write_library(tmp_path, {"a-course": ["One"], "b-course": ["Two"]})
    bad = root / "b-course" / "01-lesson-1.md"
    bad.write_text(LESSON.format(title="Two").replace("correct: [1]", "correct: [5]"))
    problems = problems_of(root)
    assert problems == [
        "b-course/01-lesson-1.md:16: 'correct' names option 5, but the options are numbered 1 to 2"
    ]
    assert not CoursePage.objects.filter(slug__in=["a-course", "b-course"]).exists()
    assert not LessonPage.objects.filter(title__in=["One", "Two"]).exists()


@pytest.mark.django_db
def test_a_problem_found_while_writing_rolls_back_earlier_courses(tmp_path):
    root = write_library(tmp_path, {"a-course": ["One"], "b-course": ["Two"]})
    course_file = root / "b-course" / "course.md"
    course_file.write_text(COURSE.replace("sectors: [health-tech]", "sectors: [space-tech]"))
    problems = problems_of(root)
    assert len(problems) == 1
    assert problems[0].startswith("b-course/course.md:5: unknown sectors 'space-tech'; known: ")
    assert "health-tech" in problems[0]
    assert not CoursePage.objects.filter(slug__in=["a-course", "b-course"]).exists()


@pytest.mark.parametrize(
    "lesson_text, expected",
    [
        ("no front matter", "01-lesson-1.md:1: the file must start with front matter"),
        ("---\ntitle: [unclosed\n---\n", "01-lesson-1.md:2: front matter is not valid YAML"),
        ("---\nsummary: s\n---\n", "01-lesson-1.md:1: 'title' is missing from the front matter"),
        (
            LESSON.format(title="T").replace(
                "::: action\nDo this.\n:::\n", "::: action\nDo this.\n"
            ),
            "'::: action' opened on line 20 is not closed",
        ),
        (
            LESSON.format(title="T").replace("::: takeaway", "::: summary"),
            ":7: unknown block '::: summary'",
        ),
        (
            LESSON.format(title="T").replace("- [AI Playbook]", "- AI Playbook"),
            ":25: a source must be written '- [Title](https://address) — Publisher'",
        ),
        (
            LESSON.format(title="T").replace("explanation: Because.", ""),
            ":11: the knowledge check has no 'explanation'",
        ),
        (
            LESSON.format(title="T").replace("Some **prose**", "word " * 1200),
            "01-lesson-1.md:1: This lesson takes about 7 minutes",
        ),
    ],
)
@pytest.mark.django_db
def test_each_bad_input_names_file_line_and_problem(tmp_path, lesson_text, expected):
    root = write_library(tmp_path, {"c": ["One"]})
    (root / "c" / "01-lesson-1.md").write_text(lesson_text)
    problems = problems_of(root)
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith("c/01-lesson-1.md:") for problem in problems), problems
    assert not CoursePage.objects.filter(slug="c").exists()


@pytest.mark.django_db
def test_duplicate_lesson_slugs_are_refused(tmp_path):
    root = write_library(tmp_path, {"c": ["One", "Two"]})
    for name in ("01-lesson-1.md", "02-lesson-2.md"):
        (root / "c" / name).write_text("---\nslug: same\n" + LESSON.format(title="X")[4:])
    problems = problems_of(root)
    assert "c/02-lesson-2.md:1: slug 'same' is already used by c/01-lesson-1.md" in problems


@pytest.mark.django_db
def test_command_reports_problems_and_imports_nothing(tmp_path):
    root = write_library(tmp_path)
    (root / "data-for-boards" / "course.md").write_text(
        COURSE.replace("review_by: 2027-06-30", "review_by: soon")
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_courses", str(root))
    message = str(caught.value)
    assert message.startswith("Nothing was imported: 1 problem to fix.")
    assert (
        "data-for-boards/course.md:10: 'review_by' must be a date written as YYYY-MM-DD" in message
    )
    assert not CoursePage.objects.filter(slug="data-for-boards").exists()


@pytest.mark.django_db
def test_command_imports_drafts_when_asked(tmp_path):
    root = write_library(tmp_path)
    call_command("import_courses", str(root), "--draft")
    lessons = LessonPage.objects.child_of(CoursePage.objects.get(slug="data-for-boards"))
    assert lessons.count() == 2
    assert not lessons.live().exists()


@pytest.mark.django_db
def test_editor_limits_apply_on_import_too(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = LESSON.format(title="T").replace("::: takeaway", "::: case-study " + "x" * 200)
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    problems = problems_of(root)
    assert any(p.startswith("c/01-lesson-1.md:7: title:") and "150" in p for p in problems), (
        problems
    )


@pytest.mark.django_db
def test_unquoted_yes_no_options_are_refused_with_a_hint(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = LESSON.format(title="T").replace("  - This one\n  - That one", "  - Yes\n  - No")
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    assert problems_of(root) == [
        "c/01-lesson-1.md:13: every option must be text: put quotes around options such as "
        '"Yes", "No" or ones containing \': \''
    ]


@pytest.mark.django_db
def test_unknown_taxonomy_fields_are_reported_with_line(tmp_path):
    root = write_library(tmp_path)
    (root / "taxonomy.yaml").write_text(TAXONOMY + "colours:\n  - {slug: red, name: Red}\n")
    assert problems_of(root) == [
        "taxonomy.yaml:9: unknown section 'colours'; use: sectors, seniority_levels, skills, "
        "partners, local_areas, pathways"
    ]


@pytest.mark.django_db
def test_repeated_draft_imports_add_no_revisions(tmp_path):
    root = write_library(tmp_path)
    import_library(root, publish=False)
    revisions = Revision.objects.count()
    import_library(root, publish=False)
    assert Revision.objects.count() == revisions
