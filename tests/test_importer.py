import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from content.models import Sector, SeniorityLevel
from courses.importer import LibraryImportError, import_library
from courses.models import CoursePage, LessonPage

IMAGE_OF_THE_LIBRARY = (
    Path(settings.FMA_LIBRARY_DIR) / "agentic-ai-for-leaders" / "autonomy-levels.png"
)

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
facts_checked: 2026-11-02
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
        "b-course/01-lesson-1.md:17: 'correct' names option 5, but the options are numbered 1 to 2"
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
            "'::: action' opened on line 21 is not closed",
        ),
        (
            LESSON.format(title="T").replace("::: takeaway", "::: summary"),
            ":8: unknown block '::: summary'",
        ),
        (
            LESSON.format(title="T").replace("- [AI Playbook]", "- AI Playbook"),
            ":26: a source must be written '- [Title](https://address) — Publisher'",
        ),
        (
            LESSON.format(title="T").replace("explanation: Because.", ""),
            ":12: Knowledge check 1 “Which is right?”: add an explanation of why the right answer "
            "is right.",
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
    lesson = LESSON.format(title="T").replace(
        "::: takeaway", "::: case-study " + "x" * 200 + " (illustrative)"
    )
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    problems = problems_of(root)
    assert any(
        p.startswith("c/01-lesson-1.md:8: Case study 1 “xxx")
        and "title: Ensure this value has at most 150 characters" in p
        for p in problems
    ), problems


@pytest.mark.django_db
def test_an_images_alt_text_and_caption_keep_the_editors_limits(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    shutil.copy(IMAGE_OF_THE_LIBRARY, root / "c" / "chart.png")
    image = f"::: image\nfile: chart.png\nalt: {'a' * 251}\ncaption: {'c' * 251}\n:::\n\n"
    lesson = LESSON.format(title="T").replace("::: takeaway", image + "::: takeaway")
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    problems = problems_of(root)
    for field in ("Alt text", "Caption"):
        assert any(
            p.startswith("c/01-lesson-1.md:8: Image 1")
            and f"{field}: Ensure this value has at most 250 characters (it has 251)" in p
            for p in problems
        ), problems


@pytest.mark.django_db
def test_unquoted_yes_no_options_are_refused_with_a_hint(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = LESSON.format(title="T").replace("  - This one\n  - That one", "  - Yes\n  - No")
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    assert problems_of(root) == [
        "c/01-lesson-1.md:14: every option must be text: put quotes around options such as "
        '"Yes", "No" or ones containing \': \''
    ]


@pytest.mark.django_db
def test_unknown_taxonomy_fields_are_reported_with_line(tmp_path):
    root = write_library(tmp_path)
    (root / "taxonomy.yaml").write_text(TAXONOMY + "colours:\n  - {slug: red, name: Red}\n")
    assert problems_of(root) == [
        "taxonomy.yaml:9: unknown section 'colours'; use: sectors, seniority_levels, skills, "
        "partners, local_areas, pathways, support_programmes"
    ]


@pytest.mark.django_db
def test_repeated_draft_imports_add_no_revisions(tmp_path):
    root = write_library(tmp_path)
    import_library(root, publish=False)
    revisions = Revision.objects.count()
    import_library(root, publish=False)
    assert Revision.objects.count() == revisions


# Facts-checked dates, covers, case-study labels and support programmes (issue 15).

COVER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630">'
    '<rect width="1200" height="630" fill="#0b2f55"/><circle cx="600" cy="315" r="90" '
    'fill="#f0a830"/></svg>'
)
SUPPORT = """\
local_areas:
  - {slug: coventry, name: Coventry}
support_programmes:
  - slug: health-help
    name: Health help
    organisation: A health innovation network
    url: https://www.example.org/health-help
    description: Connects innovators with the NHS.
    sectors: [health-tech]
    local_areas: [coventry]
  - slug: factory-help
    name: Factory help
    organisation: A manufacturing centre
    url: https://www.example.org/factory-help
    sectors: [advanced-manufacturing]
"""


def with_cover(root, cover="cover: {file: cover.svg, alt: An amber circle on dark blue}"):
    folder = root / "data-for-boards"
    (folder / "cover.svg").write_text(COVER_SVG)
    (folder / "course.md").write_text(
        COURSE.replace("\n---\nAn intro", f"\n{cover}\n---\nAn intro")
    )
    return folder


def set_front_matter(root, extra: str, file="data-for-boards/01-lesson-1.md"):
    path = root / file
    path.write_text(path.read_text().replace("facts_checked: 2026-11-02\n", extra, 1))


@pytest.mark.django_db
def test_review_by_is_facts_checked_plus_the_setting_unless_the_front_matter_says_sooner(
    tmp_path, settings
):
    root = write_library(tmp_path)
    set_front_matter(root, "facts_checked: 2026-11-02\nreview_by: 2027-02-28\n")
    set_front_matter(
        root, "facts_checked: 2026-11-02\nreview_by: 2029-01-01\n", "data-for-boards/02-lesson-2.md"
    )
    import_library(root)
    one, two = LessonPage.objects.filter(title__in=["Lesson one", "Lesson two"]).order_by("title")
    assert one.facts_checked.isoformat() == "2026-11-02"
    assert one.review_by.isoformat() == "2027-02-28"  # sooner than 12 months: kept
    assert two.review_by.isoformat() == "2027-11-02"  # later: facts_checked + 12 months wins
    settings.FMA_FACTS_REVIEW_MONTHS = 3
    set_front_matter(root, "facts_checked: 2026-10-31\n", "data-for-boards/02-lesson-2.md")
    import_library(root)
    two.refresh_from_db()
    assert two.review_by.isoformat() == "2027-01-31"
    assert two.live


@pytest.mark.parametrize(
    "front_matter, expected",
    [
        (
            "",
            ":1: 'facts_checked' is missing from the front matter: add 'facts_checked: YYYY-MM-DD'",
        ),
        ("facts_checked: last week\n", ":4: 'facts_checked' must be a date written as YYYY-MM-DD"),
        ("facts_checked: 2026-13\n", ":4: 'facts_checked' must be a date written as YYYY-MM-DD"),
        ("facts_checked: 2999-01-01\n", ":4: 'facts_checked' is in the future"),
        ("facts_checked: 2026-11-02\nreview_by: soon\n", ":5: 'review_by' must be a date"),
    ],
)
@pytest.mark.django_db
def test_facts_checked_is_required_and_must_be_a_past_date(tmp_path, front_matter, expected):
    root = write_library(tmp_path)
    set_front_matter(root, front_matter)
    problems = problems_of(root)
    assert len(problems) == 1 and problems[0].startswith(
        "data-for-boards/01-lesson-1.md" + expected
    ), problems


@pytest.mark.django_db
def test_the_lesson_page_says_when_its_facts_were_checked(tmp_path, client):
    import_library(write_library(tmp_path))
    lesson = LessonPage.objects.get(title="Lesson one")
    html = client.get(lesson.url).content.decode()
    assert 'Facts checked <time datetime="2026-11">November 2026</time>' in html


@pytest.mark.django_db
def test_an_svg_cover_goes_into_the_partners_collection_once(tmp_path, client):
    from wagtail.images import get_image_model

    root = write_library(tmp_path)
    with_cover(
        root,
        "cover:\n  file: cover.svg\n  alt: An amber circle on dark blue\n  licence: CC BY 4.0\n"
        "  source: https://www.example.org/circle",
    )
    import_library(root)
    course = CoursePage.objects.get(slug="data-for-boards")
    image = course.cover_image
    assert image.is_svg() and (image.width, image.height) == (1200, 630)
    assert image.collection == course.partner.collection
    assert course.cover_alt == "An amber circle on dark blue"
    assert (course.cover_licence, course.cover_source) == (
        "CC BY 4.0",
        "https://www.example.org/circle",
    )
    images = get_image_model().objects.count()
    (root / "data-for-boards" / "course.md").write_text(
        (root / "data-for-boards" / "course.md").read_text().replace("An introduction", "Changed")
    )
    import_library(root)
    assert get_image_model().objects.count() == images  # the same file is not uploaded twice
    html = client.get(course.url).content.decode()
    assert 'alt="An amber circle on dark blue"' in html
    assert '<a href="https://www.example.org/circle">Cover image source</a> · CC BY 4.0' in html
    catalogue = client.get(course.get_parent().get_parent().url).content.decode()
    assert 'alt=""' in catalogue.split("Data for boards")[0].rsplit('<li class="card">', 1)[1]


@pytest.mark.parametrize(
    "cover, expected",
    [
        ("cover: {file: cover.svg}", ":11: the cover has no 'alt' text"),
        ("cover: {file: missing.svg, alt: A}", ":11: cover file 'missing.svg' was not found"),
        ("cover: cover.svg", ":11: 'cover' must give 'file' and 'alt'"),
        ("cover: {file: cover.svg, alt: A, credit: Me}", ":11: 'cover' has unknown keys credit"),
        (
            "cover: {file: ../../etc/passwd, alt: A}",
            ":11: cover files must be inside the course folder",
        ),
    ],
)
@pytest.mark.django_db
def test_a_bad_cover_is_reported_at_its_line(tmp_path, cover, expected):
    root = write_library(tmp_path)
    with_cover(root, cover)
    problems = problems_of(root)
    assert any(p.startswith("data-for-boards/course.md" + expected) for p in problems), problems


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><a href="https://evil.example"><rect/></a></svg>',
        '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.example/a.png"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/)"/></svg>',
    ],
)
@pytest.mark.django_db
def test_an_svg_that_is_more_than_a_drawing_is_refused(tmp_path, svg):
    root = write_library(tmp_path)
    folder = with_cover(root)
    (folder / "cover.svg").write_text(svg)
    assert problems_of(root) == [
        "data-for-boards/course.md:11: the cover 'cover.svg' is not a plain SVG drawing: SVG files "
        "may not contain scripts, event handlers, links, embedded images or documents, or entities"
    ]


@pytest.mark.django_db
def test_a_cover_chosen_in_the_cms_stays_when_course_md_has_none(tmp_path):
    root = write_library(tmp_path)
    with_cover(root)
    import_library(root)
    course = CoursePage.objects.get(slug="data-for-boards")
    image = course.cover_image
    (root / "data-for-boards" / "course.md").write_text(COURSE.replace("An introduction", "New"))
    import_library(root)
    course.refresh_from_db()
    assert course.cover_image == image and course.introduction == "New."


@pytest.mark.parametrize(
    "case_study, expected",
    [
        ("::: case-study A regional manufacturer\nIt kept paper logs.\n:::\n", "label the case"),
        (
            "::: case-study A real manufacturer\nIt kept paper logs.\nSource: the newspaper\n:::\n",
            "write a real case study's source as 'Source: [Title](https://address)'",
        ),
        ("::: case-study A regional manufacturer (illustrative)\nIt kept paper logs.\n:::\n", None),
        ("::: case-study A manufacturer (Illustrative)\nIt kept paper logs.\n:::\n", None),
        (
            "::: case-study Made Smarter helps a maker\nIt kept paper logs.\n"
            "Source: [Case study](https://www.example.org/case) — Made Smarter\n:::\n",
            None,
        ),
    ],
)
@pytest.mark.django_db
def test_a_case_study_is_labelled_illustrative_or_names_its_source(tmp_path, case_study, expected):
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = LESSON.format(title="T").replace("::: takeaway", case_study + "\n::: takeaway")
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    if expected is None:
        import_library(root)
        assert LessonPage.objects.filter(title="T").exists()
    else:
        problems = problems_of(root)
        assert any(p.startswith("c/01-lesson-1.md:") and expected in p for p in problems), problems


@pytest.mark.django_db
def test_support_programmes_are_seeded_once_and_listed_on_courses_of_their_sectors(
    tmp_path, client
):
    from content.models import SupportProgramme

    root = write_library(tmp_path)
    (root / "taxonomy.yaml").write_text(TAXONOMY + SUPPORT)
    report = import_library(root)
    assert report.counts["support_programmes created"] == 2
    health = SupportProgramme.objects.get(slug="health-help")
    assert [s.slug for s in health.sectors.all()] == ["health-tech"]
    assert [a.slug for a in health.local_areas.all()] == ["coventry"]
    health.description = "Edited by an admin."
    health.save()
    assert import_library(root).counts["support_programmes created"] == 0
    health.refresh_from_db()
    assert health.description == "Edited by an admin."
    html = client.get(CoursePage.objects.get(slug="data-for-boards").url).content.decode()
    assert "Support for your business" in html
    assert '<a href="https://www.example.org/health-help">Health help</a>' in html
    assert "Factory help" not in html  # not one of the course's sectors


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ("sectors: [health-tech]\n    local", "sectors: [space-tech]\n    local"),
            "unknown sectors",
        ),
        (("url: https://www.example.org/health-help", "url: www.example.org"), "needs a 'url'"),
        (("    organisation: A health innovation network\n", ""), "needs an 'organisation'"),
        (("    sectors: [advanced-manufacturing]\n", ""), "'sectors' must be a list of slugs"),
    ],
)
@pytest.mark.django_db
def test_bad_support_programmes_are_reported(tmp_path, change, expected):
    root = write_library(tmp_path)
    (root / "taxonomy.yaml").write_text(TAXONOMY + SUPPORT.replace(*change))
    problems = problems_of(root)
    assert any(p.startswith("taxonomy.yaml:") and expected in p for p in problems), problems


def course_edit_data(course, **changes):
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    data = nested_form_data(
        {
            "title": course.title,
            "slug": course.slug,
            "summary": course.summary,
            "introduction": course.introduction,
            "learning_outcomes": streamfield([("outcome", "Ask better questions")]),
            "review_by": course.review_by.isoformat(),
            "cover_alt": "",
            "cover_licence": "",
            "cover_source": "",
        }
    )
    data["sectors"] = [s.pk for s in course.sectors.all()]
    data["seniority_levels"] = [s.pk for s in course.seniority_levels.all()]
    data.update(changes)
    return data


@pytest.mark.django_db
def test_a_cover_needs_alt_text_in_the_editor(tmp_path, admin_client):
    from django.urls import reverse

    root = write_library(tmp_path)
    with_cover(root)
    import_library(root)
    course = CoursePage.objects.get(slug="data-for-boards")
    url = reverse("wagtailadmin_pages:edit", args=[course.pk])
    image = course.cover_image.pk
    response = admin_client.post(url, course_edit_data(course, cover_image=image))
    assert response.status_code == 200
    assert "Add alt text for the cover" in response.content.decode()
    response = admin_client.post(url, course_edit_data(course, cover_image=image, cover_alt="A"))
    assert response.status_code == 302
    draft = CoursePage.objects.get(pk=course.pk).get_latest_revision_as_object()
    assert draft.cover_alt == "A" and draft.cover_image_id == image


# Hostile and broken input (issue 11): the import reports problems, never raises.

IMPOSSIBLE_DATE = "2027-02-30"
DEEP_NESTING = "[" * 3000 + "]" * 3000


def billion_laughs(key="slug", levels=7) -> str:
    """Front-matter lines whose aliases expand to 9**levels values under `key`
    (a few hundred bytes; 7 levels made an 82 MB page before aliases were refused)."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join([*lines, f"{key}: [*a{levels - 1}]"]) + "\n"


ALIASES_MESSAGE = (
    "YAML anchors and aliases (&name, *name) are not allowed: write each value out in full"
)
TOO_DEEP_MESSAGE = "the YAML is nested more than 20 levels deep"


def hostile_library(root: Path) -> Path:
    """Three courses, each with one of the inputs that crashed the importer."""
    write_library(root, {"bad-date": ["One"], "deep": ["Two"], "laughs": ["Three"]})
    (root / "bad-date" / "course.md").write_text(
        COURSE.replace("review_by: 2027-06-30", f"review_by: {IMPOSSIBLE_DATE}")
    )
    set_front_matter(root, f"facts_checked: {IMPOSSIBLE_DATE}\n", "bad-date/01-lesson-1.md")
    (root / "deep" / "course.md").write_text(
        COURSE.replace("skills: [data-readiness]", f"skills: {DEEP_NESTING}")
    )
    (root / "laughs" / "course.md").write_text(
        COURSE.replace("---\n", "---\n" + billion_laughs(), 1)
    )
    return root


def expected_hostile_problems() -> list[str]:
    return [
        "bad-date/01-lesson-1.md:4: 'facts_checked' is 2027-02-30, which is not a real date: "
        "check the month and the day (YYYY-MM-DD)",
        "bad-date/course.md:10: 'review_by' is 2027-02-30, which is not a real date: check the "
        "month and the day (YYYY-MM-DD)",
        f"deep/course.md:7: {TOO_DEEP_MESSAGE}; course files need a few",
        f"laughs/course.md:2: {ALIASES_MESSAGE}",
    ]


@pytest.mark.django_db
def test_command_reports_an_impossible_date_deep_nesting_and_aliases(tmp_path):
    root = hostile_library(tmp_path)
    with pytest.raises(CommandError) as caught:
        call_command("import_courses", str(root))
    message = str(caught.value)
    assert message.splitlines() == [
        "Nothing was imported: 4 problems to fix.",
        *expected_hostile_problems(),
    ]
    assert not CoursePage.objects.filter(slug__in=["bad-date", "deep", "laughs"]).exists()


@pytest.mark.parametrize("which", ["bad-date", "deep", "laughs"])
@pytest.mark.django_db
def test_each_reproduced_crash_is_one_reported_problem(tmp_path, which):
    (tmp_path / "one").mkdir()
    (tmp_path / "all").mkdir()
    root = write_library(tmp_path / "one", {which: ["One"]})
    source = hostile_library(tmp_path / "all")
    for path in (source / which).iterdir():
        (root / which / path.name).write_text(path.read_text())
    problems = problems_of(root)
    assert problems == [p for p in expected_hostile_problems() if p.startswith(which + "/")]


def test_the_command_exits_non_zero_without_a_traceback(tmp_path):
    """The real command line: problems on stderr, exit status 1, no traceback
    (parsing fails before the database is touched, so none is needed)."""
    import os
    import subprocess
    import sys

    root = hostile_library(tmp_path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "import_courses", str(root)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "CommandError: Nothing was imported: 4 problems to fix." in done.stderr
    for problem in expected_hostile_problems():
        assert problem in done.stderr
    assert len(done.stderr) < 2000


@pytest.mark.django_db
def test_an_alias_inside_a_block_is_refused_at_its_line(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = (
        LESSON.format(title="T")
        .replace("question: Which is right?", "question: &q Which is right?\nexplanation: *q")
        .replace("explanation: Because.\n", "")
    )
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    assert problems_of(root) == [f"c/01-lesson-1.md:13: {ALIASES_MESSAGE}"]


def with_front_matter(front_matter: str) -> str:
    """The test lesson with its front matter replaced."""
    return "---\n" + front_matter + "---\n" + LESSON.format(title="T").split("---\n", 2)[2]


FRONT = "summary: A short lesson.\nfacts_checked: 2026-11-02\n"


@pytest.mark.parametrize(
    "front_matter, expected",
    [
        ("title: 2027\n" + FRONT, ":2: 'title' must be text, not a number: put quotes around it"),
        ("title: yes\n" + FRONT, ":2: 'title' must be text, not true/false: put quotes around"),
        ("title: [a, b]\n" + FRONT, ":2: 'title' must be text, not a list"),
        (
            "title: T\nsummary: {a: b}\nfacts_checked: 2026-11-02\n",
            ":3: 'summary' must be text, not a set of 'key: value' lines",
        ),
        ("title: T\nslug: 12\n" + FRONT, ":3: 'slug' must be text, not a number"),
        (
            "title: T\n" + FRONT + "colour: red\n",
            ":5: unknown key 'colour' in the front matter; use: facts_checked, review_by, slug, "
            "summary, title",
        ),
        (
            "title: T\n" + FRONT + "review_by: 2027-13-01\n",
            ":5: 'review_by' is 2027-13-01, which is not a real date",
        ),
        (
            "title: T\n" + FRONT + "review_by: 1999-12-31\n",
            ":5: 'review_by' is 1999-12-31: give a date between 2000 and 2100",
        ),
        (
            "title: T\n" + FRONT + "review_by: [2027-01-01]\n",
            ":5: 'review_by' must be a date written as YYYY-MM-DD",
        ),
        (
            "title: !!python/object:os.system x\n" + FRONT,
            ":2: YAML tags such as !!str are not allowed: put quotes around text instead",
        ),
        ("title: T\ntitle: U\n" + FRONT, ":3: 'title' is given twice"),
        (
            'title: "bell \\a"\n' + FRONT,
            ":2: the value holds a control character (U+0007), which is not allowed",
        ),
        ("title: " + "9" * 5000 + "\n" + FRONT, ":2: the number is too long to read"),
        ("title: T\n" + FRONT + "[a]: b\n", ":5: a key must be a word, not a list or a mapping"),
        ("title: T\n" + FRONT + "1: b\n", ":2: the front matter has a key that is not a word: 1"),
        (
            "title: T\nsummary: 'unclosed\nfacts_checked: 2026-11-02\n",
            ":3: front matter is not valid YAML",
        ),
        ("- title\n- summary\n", ":2: front matter must be a set of 'key: value' lines"),
    ],
)
@pytest.mark.django_db
def test_each_front_matter_field_is_checked_by_type(tmp_path, front_matter, expected):
    root = write_library(tmp_path, {"c": ["One"]})
    (root / "c" / "01-lesson-1.md").write_text(with_front_matter(front_matter))
    problems = problems_of(root)
    assert any(p.startswith("c/01-lesson-1.md" + expected) for p in problems), problems


@pytest.mark.parametrize(
    "change, expected",
    [
        (("correct: [1]", "correct: [true]"), ":17: 'correct' names option True"),
        (
            ("correct: [1]", "correct: '1'"),
            ":17: the knowledge check's 'correct' must be a list of option numbers, e.g. [2], "
            "not text",
        ),
        (
            ("explanation: Because.", "explanation: [Because]"),
            ":18: the knowledge check's 'explanation' must be text, not a list",
        ),
        (
            ("explanation: Because.", "explanation: Because.\nhint: Think."),
            ":19: unknown key 'hint' in the 'check' block; use: correct, explanation, options, "
            "question",
        ),
        (
            ("options:\n  - This one\n  - That one", "options: This one, that one"),
            ":14: the knowledge check's 'options' must be a list, not text",
        ),
        (
            ("question: Which is right?", "question: " + "[" * 3000),
            ":13: the YAML is nested more than 20 levels deep",
        ),
        (
            ("question: Which is right?", "question: Which is right?\nx: " + "[" * 25 + "]" * 25),
            ":14: the YAML is nested more than 20 levels deep",
        ),
        (
            ("Remember this.", "[" * 201),
            ":8: Key takeaway 1: text: the text holds 201 '[' characters; at most 200 are allowed",
        ),
        (
            ("Do this.", "<b>" * 201),
            ":21: Action for your organisation 1: text: the text holds 201 '<' characters",
        ),
    ],
)
@pytest.mark.django_db
def test_each_block_field_is_checked_by_type(tmp_path, change, expected):
    root = write_library(tmp_path, {"c": ["One"]})
    (root / "c" / "01-lesson-1.md").write_text(LESSON.format(title="T").replace(*change))
    problems = problems_of(root)
    assert any(p.startswith("c/01-lesson-1.md" + expected) for p in problems), problems


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "c/01-lesson-1.md:1: the file is empty"),
        (b"   \n\n", "c/01-lesson-1.md:1: the file is empty"),
        (b"---", "c/01-lesson-1.md:1: front matter is not closed: add a line '---' after it"),
        (b"---\n---\n", "c/01-lesson-1.md:1: 'title' is missing from the front matter"),
        (
            LESSON.format(title="Caf\u00e9").encode("cp1252"),
            "c/01-lesson-1.md:2: the file is not UTF-8 text (byte 0xe9 on this line): save it as "
            "UTF-8",
        ),
        (
            LESSON.format(title="T").replace("Some", "So\x00me").encode(),
            "c/01-lesson-1.md:6: the file holds a control character (U+0000), which is not allowed",
        ),
        (
            LESSON.format(title="T").encode("utf-16"),
            "c/01-lesson-1.md:1: the file is not UTF-8 text",
        ),
        (
            b"x" * (64 * 1024 + 1),
            "c/01-lesson-1.md:0: the file is over 64 KB, the most one course file may be",
        ),
    ],
)
@pytest.mark.django_db
def test_files_that_are_not_text_or_empty_are_reported(tmp_path, content, expected):
    root = write_library(tmp_path, {"c": ["One"]})
    (root / "c" / "01-lesson-1.md").write_bytes(content)
    problems = problems_of(root)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.django_db
def test_a_byte_order_mark_and_windows_line_endings_are_fine(tmp_path):
    root = write_library(tmp_path)
    for path in (root / "data-for-boards").iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_text().replace("\n", "\r\n").encode())
    report = import_library(root)
    assert report.counts["lessons created"] == 2
    assert CoursePage.objects.get(slug="data-for-boards").title == "Data for boards"


@pytest.mark.django_db
def test_problems_are_capped_per_file_and_never_echo_huge_values(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = LESSON.format(title="T").replace("- [AI Playbook]", "- AI\n" * 400 + "- [AI Playbook]")
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    (root / "c" / "course.md").write_text(
        COURSE.replace("sectors: [health-tech]", "sectors: [" + "x" * 20000 + "]")
    )
    problems = problems_of(root)
    lesson_problems = [p for p in problems if p.startswith("c/01-lesson-1.md:")]
    assert len(lesson_problems) == 51
    assert lesson_problems[-1].endswith("… and 350 more problems in this file: fix these first")
    assert all(len(p) < 600 for p in problems), max(problems, key=len)[:200]


@pytest.mark.django_db
def test_markdown_nested_too_deeply_to_render_is_reported(tmp_path):
    """Python-Markdown recurses once per nested definition list: 1,500 of them
    raised RecursionError while the lesson's reading time was estimated."""
    root = write_library(tmp_path, {"c": ["One"]})
    lesson = LESSON.format(title="T").replace("Remember this.", "a\n: b\n" * 1500)
    (root / "c" / "01-lesson-1.md").write_text(lesson)
    assert problems_of(root) == [
        "c/01-lesson-1.md:8: Key takeaway 1: text: the Markdown here is nested too deeply to be "
        "shown (lists, quotes or definitions inside one another hundreds of times): simplify it"
    ]


@pytest.mark.parametrize(
    "taxonomy, expected",
    [
        (TAXONOMY.replace("rank: 1", "rank: many"), "'rank' must be a whole number"),
        (
            TAXONOMY.replace("name: Board,", "name: [Board],"),
            "'board' in 'seniority_levels': 'name' must be text, not a list",
        ),
        (
            TAXONOMY.replace("{slug: board,", "{slug: Board Level,"),
            "'seniority_levels' has the slug 'Board Level'",
        ),
        (
            TAXONOMY + "  - {slug: other-college, name: Test College}\n",
            "the name 'Test College' appears twice in 'partners'",
        ),
        (
            TAXONOMY.replace("name: Test College}", "name: Test College, 1: x}"),
            "'test-college' in 'partners' has unknown fields 1",
        ),
        (
            TAXONOMY.replace("name: Test College}", "name: Test College, website: nope}"),
            "'website' must be a web address starting https://",
        ),
        (
            TAXONOMY + "pathways:\n  - {slug: p, name: P, steps: [[a]]}\n",
            "'p' in 'pathways': 'steps' must be a list of slugs",
        ),
        ("sectors: &s []\nskills: *s\n", f"taxonomy.yaml:1: {ALIASES_MESSAGE}"),
    ],
)
@pytest.mark.django_db
def test_every_taxonomy_field_is_checked(tmp_path, taxonomy, expected):
    root = write_library(tmp_path)
    (root / "taxonomy.yaml").write_text(taxonomy)
    problems = problems_of(root)
    assert any(p.startswith("taxonomy.yaml:") and expected in p for p in problems), problems


@pytest.mark.django_db
def test_a_taxonomy_name_another_term_has_is_reported_not_a_crash(tmp_path):
    root = write_library(tmp_path)
    Sector.objects.create(slug="elsewhere", name="Somewhere")
    (root / "taxonomy.yaml").write_text(
        TAXONOMY.replace("sectors:\n", "sectors:\n  - {slug: other, name: Somewhere}\n")
    )
    assert problems_of(root) == [
        "taxonomy.yaml:1: 'other' in 'sectors': Sector with this Name already exists."
    ]


# Each rule checked once, where it lives (issue 12).


@pytest.mark.django_db
def test_front_matter_lengths_are_the_models_own(tmp_path):
    root = write_library(tmp_path, {"c": ["One"]})
    (root / "c" / "01-lesson-1.md").write_text(LESSON.format(title="T" * 256))
    assert problems_of(root) == [
        "c/01-lesson-1.md:2: 'title' is longer than 255 characters (it has 256)"
    ]


def test_the_editor_refuses_what_the_importer_refuses():
    """The rules that were the parser's own are the blocks' own now, so the
    CMS editor enforces them too."""
    from django.core.exceptions import ValidationError

    from content.blocks import CaseStudyBlock, KeyTakeawayBlock, KnowledgeCheckBlock

    case_study = CaseStudyBlock()
    with pytest.raises(ValidationError) as caught:
        case_study.clean(case_study.to_python({"title": "A maker", "body": "It changed."}))
    assert "label the case study" in str(caught.value.as_json_data())
    case_study.clean(case_study.to_python({"title": "A maker (illustrative)", "body": "It did."}))
    takeaway = KeyTakeawayBlock()
    with pytest.raises(ValidationError) as caught:
        takeaway.clean(takeaway.to_python({"text": "[" * 201}))
    assert "201 '['" in str(caught.value.as_json_data())
    check = KnowledgeCheckBlock()
    value = {
        "question": "Q?",
        "options": [{"text": "A", "is_correct": True}, {"text": "B", "is_correct": False}],
        "explanation": "<" * 201,
    }
    with pytest.raises(ValidationError) as caught:
        check.clean(check.to_python(value))
    assert "201 '<'" in str(caught.value.as_json_data())
