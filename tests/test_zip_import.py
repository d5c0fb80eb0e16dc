"""The admin's "Import a course": a partner author uploads a zip of Markdown
files and gets drafts on their shelf, or a table of problems and nothing at all.
Everything goes through real HTTP posts to /admin/import-course/."""

import io
import re
import stat
import struct
import zipfile
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, Revision

from content.models import Partner
from courses.importer.zip_upload import (
    COVER_MESSAGE,
    IMAGE_MESSAGE,
    Member,
    UploadRefused,
    course_template_dir,
    course_template_zip,
    import_zip,
    read_member,
    zip_folder,
)
from courses.models import CoursePage, LessonPage
from tests.factories import signed_in, staff_user
from tests.test_importer import ALIASES_MESSAGE, DEEP_NESTING, TOO_DEEP_MESSAGE, billion_laughs

pytestmark = pytest.mark.django_db

URL = "/admin/import-course/"
SLUG = "ai-and-your-supply-chain"
TEMPLATE = course_template_dir() / SLUG
LESSON_2 = "02-data-beyond-your-walls.md"


# Building zips.


def template_files(folder: Path = TEMPLATE, prefix: str | None = None) -> dict[str, str]:
    prefix = folder.name if prefix is None else prefix
    return {
        f"{prefix}/{path.name}".lstrip("/"): path.read_text(encoding="utf-8")
        for path in sorted(folder.iterdir())
        if path.suffix == ".md"
    }


def without_cover(course_md: str) -> str:
    """course.md without its `cover:` (an upload holds no images)."""
    return re.sub(r"(?m)^cover:.*\n(?:[ \t]+.*\n)*", "", course_md)


def make_zip(files: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            if isinstance(content, zipfile.ZipInfo):
                raise TypeError
            archive.writestr(name, content)
    return buffer.getvalue()


def template_zip(**changes) -> bytes:
    files = template_files()
    files.update(changes)
    return make_zip(files)


def lying_zip(name: str, content: bytes, declared_size: int) -> bytes:
    """A one-member zip whose headers (local and central) declare a size far
    smaller than what the member really inflates to."""
    data = bytearray(make_zip({name: content}))
    size = struct.pack("<I", declared_size)
    assert data[:4] == b"PK\x03\x04"
    data[22:26] = size  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = size  # central directory: uncompressed size
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        (info,) = archive.infolist()
        assert info.file_size == declared_size < len(content)
        assert info.file_size <= 100 * info.compress_size  # the declared ratio looks fine
    return bytes(data)


def symlink_zip() -> bytes:
    files = template_files()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo(f"{SLUG}/04-link.md")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


# Clients and counting.


@pytest.fixture
def author(library):
    return staff_user(
        Partner.objects.get(slug="northfield-college"), email="author@northfield.example"
    )


@pytest.fixture
def author_client(author):
    return signed_in(author)


def upload(client, data: bytes, name: str = "course.zip", follow=False):
    file = SimpleUploadedFile(name, data, content_type="application/zip")
    return client.post(URL, {"file": file}, follow=follow)


def snapshot():
    return (Page.objects.count(), Revision.objects.count(), LessonPage.objects.count())


def refused(client, data: bytes, name="course.zip") -> str:
    before = snapshot()
    response = upload(client, data, name)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in html
    assert '<th scope="col">File</th>' in html and '<th scope="col">Problem</th>' in html
    assert snapshot() == before, "nothing may be left half-imported"
    assert not CoursePage.objects.filter(slug=SLUG).exists()
    return html


def shelf(slug="northfield-college"):
    return Partner.objects.get(slug=slug).shelf


# The screen.


def test_the_form_is_labelled_explains_and_links_the_template(author_client):
    response = author_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<label[^>]+for="id_file"', html)
    assert 'accept=".zip' in html and 'enctype="multipart/form-data"' in html
    assert reverse("import_course_template") in html
    assert "draft" in html and "Northfield College" in html
    assert "Import a course" in author_client.get("/admin/").content.decode()  # in the menu


def test_the_template_download_is_the_template_folder_zipped(author_client):
    response = author_client.get(reverse("import_course_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{SLUG}.zip"' in response["Content-Disposition"]
    assert response.content == course_template_zip()[1] == zip_folder(TEMPLATE)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
    assert f"{SLUG}/course.md" in names and len(names) >= 3


# Importing.


def test_the_template_imports_as_drafts_on_the_authors_shelf(author_client, author, library):
    name, data = course_template_zip()
    response = upload(author_client, data, name)
    course = CoursePage.objects.get(slug=SLUG)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_explore", args=[course.pk])
    assert course.get_parent().pk == shelf().pk
    assert course.partner.slug == "northfield-college"
    lessons = LessonPage.objects.child_of(course)
    assert lessons.count() == 3
    assert not course.live and not lessons.live().exists()
    assert all(page.has_unpublished_changes for page in [course, *lessons])
    # The author owns what they imported, and the page history names them.
    assert {page.owner for page in [course, *lessons]} == {author}
    assert {page.latest_revision.user for page in [course, *lessons]} == {author}
    assert not CoursePage.objects.live().filter(slug=SLUG).exists()
    catalogue = Client().get(library.url)
    assert catalogue.status_code == 200
    assert "AI and your supply chain" not in catalogue.content.decode()
    page = author_client.get(response["Location"])
    message = page.content.decode()
    assert "3 lessons created and 0 updated as drafts" in message
    assert "submit the course for review" in message
    # The template's note on how to use it is for the author's editor only:
    # the course page, once live, does not say it is a template.
    course.save_revision().publish()
    live = Client().get(course.url).content.decode()
    assert "How to use this template" not in live and "template" not in live.lower()


def test_reimport_updates_drafts_instead_of_duplicating(author_client):
    name, data = course_template_zip()
    upload(author_client, data, name)
    pages, revisions, _ = snapshot()

    again = upload(author_client, data, name, follow=True)
    assert "0 lessons created and 0 updated as drafts (3 unchanged)" in again.content.decode()
    assert CoursePage.objects.filter(slug=SLUG).count() == 1
    assert snapshot()[:2] == (pages, revisions)  # no new pages, no new revisions

    lesson_text = (TEMPLATE / LESSON_2).read_text()
    changed = lesson_text.replace(
        "title: Data from beyond your own walls", "title: Data from outside your walls"
    )
    response = upload(author_client, template_zip(**{f"{SLUG}/{LESSON_2}": changed}), name)
    assert response.status_code == 302
    assert Page.objects.count() == pages
    lesson = LessonPage.objects.get(slug="data-beyond-your-walls")
    assert lesson.latest_revision.as_object().title == "Data from outside your walls"
    assert not lesson.live
    assert LessonPage.objects.filter(slug="data-beyond-your-walls").count() == 1


def test_reimporting_a_live_course_saves_drafts_and_leaves_it_live(author_client):
    folder = Path(settings.FMA_LIBRARY_DIR) / "buying-ai-well"
    course = CoursePage.objects.get(slug="buying-ai-well")
    assert course.live and course.partner.slug == "northfield-college"
    lesson = LessonPage.objects.child_of(course).get(slug="before-you-buy")
    live_title, live_body = lesson.title, list(lesson.body.raw_data)
    cover = course.cover_image
    assert cover is not None and course.cover_alt
    files = template_files(folder)
    files["buying-ai-well/course.md"] = without_cover(files["buying-ai-well/course.md"])
    files["buying-ai-well/01-before-you-buy.md"] = (
        files["buying-ai-well/01-before-you-buy.md"]
        .replace("title: Before you buy", "title: Before you buy anything")
        .replace("## Start with the problem", "## Start with the problem, always")
    )
    pages = Page.objects.count()
    response = upload(author_client, make_zip(files), "buying-ai-well.zip", follow=True)
    assert "1 lesson created" not in response.content.decode()
    assert "0 lessons created and 1 updated as drafts" in response.content.decode()
    assert Page.objects.count() == pages
    lesson.refresh_from_db()
    assert lesson.live and lesson.title == live_title
    assert list(lesson.body.raw_data) == live_body  # what learners see is unchanged
    assert lesson.has_unpublished_changes
    draft = lesson.get_latest_revision_as_object()
    assert draft.title == "Before you buy anything"
    assert "Start with the problem, always" in str(draft.body.raw_data)
    public = Client().get(lesson.url)
    assert public.status_code in (200, 302)
    assert "Before you buy anything" not in public.content.decode()
    course = CoursePage.objects.get(slug="buying-ai-well")
    assert course.live
    assert course.get_latest_revision_as_object().cover_image == cover  # kept without `cover:`


def test_a_zip_with_course_md_at_the_top_uses_the_front_matter_slug(author_client):
    data = zip_folder(TEMPLATE, include_folder=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "course.md" in archive.namelist()
    response = upload(author_client, data, "Upload from my laptop.zip")
    assert response.status_code == 302
    assert CoursePage.objects.child_of(shelf()).filter(slug=SLUG).exists()


def test_without_a_slug_the_course_is_named_after_the_zip(author_client):
    files = template_files(prefix="")
    files["course.md"] = files["course.md"].replace(f"slug: {SLUG}\n", "")
    response = upload(author_client, make_zip(files), "Supply chain AI (1).zip")
    assert response.status_code == 302
    assert CoursePage.objects.child_of(shelf()).filter(slug="supply-chain-ai").exists()


def test_a_folder_wrapping_course_folders_and_macos_extras_are_fine(author_client):
    files = {f"my-library/{name}": text for name, text in template_files().items()}
    files["__MACOSX/my-library/._course.md"] = b"\x00\x05\x16\x07"
    files["my-library/.DS_Store"] = b"\x00\x00\x00\x01Bud1"
    files[f"my-library/{SLUG}/._01-where-ai-helps.md"] = b"\x00\x05\x16\x07"
    response = upload(author_client, make_zip(files))
    assert response.status_code == 302
    assert LessonPage.objects.child_of(CoursePage.objects.get(slug=SLUG)).count() == 3


# Refusals: the zip itself.


@pytest.mark.parametrize(
    "data, name, expected",
    [
        (b"This is not a zip file at all.", "course.zip", "is not a zip file, or it is damaged"),
        (None, "course.zip", "is not a zip file, or it is damaged"),  # truncated template
        (b"%PDF-1.7 not a zip", "notes.pdf", "is not a zip file"),
    ],
)
def test_not_a_zip_or_a_damaged_zip_is_refused(author_client, data, name, expected):
    if data is None:
        whole = course_template_zip()[1]
        data = whole[: len(whole) // 2]
    html = refused(author_client, data, name)
    assert expected in html
    assert f"<code>{name}</code>" in html


def test_an_oversized_upload_is_refused(author_client):
    data = template_zip() + b"\0" * (2 * 1024 * 1024)
    html = refused(author_client, data)
    assert "the most one upload may be is 2 MB" in html


def test_a_huge_upload_is_refused_before_its_body_is_read(author_client):
    data = b"PK" + b"\0" * (3 * 1024 * 1024)
    html = refused(author_client, data)
    assert "<code>your upload</code>" in html
    assert "the most one upload may be is 2 MB" in html


def test_the_upload_limit_is_a_setting(author_client, settings):
    settings.FMA_IMPORT_MAX_UPLOAD_BYTES = 1000
    html = refused(author_client, template_zip())
    assert "the most one upload may be is 0.977 KB" in html


def test_a_zip_bomb_by_its_declared_ratio_is_refused(author_client):
    bomb = "a" * (5 * 1024 * 1024)
    html = refused(author_client, template_zip(**{f"{SLUG}/04-bomb.md": bomb}))
    assert f"<code>{SLUG}/04-bomb.md</code>" in html
    assert "expands more than 100 times when unzipped" in html


def test_a_zip_bomb_by_its_declared_total_is_refused(author_client, settings):
    settings.FMA_IMPORT_MAX_UNCOMPRESSED_BYTES = 5000
    html = refused(author_client, template_zip())
    assert "the most one upload may unpack to is 4.88 KB" in html


def test_a_member_that_lies_about_its_size_is_refused(author_client):
    data = lying_zip(f"{SLUG}/course.md", b"---\n" + b"a" * (3 * 1024 * 1024), 1000)
    html = refused(author_client, data)
    assert f"<code>{SLUG}/course.md</code>" in html
    assert "could not be unzipped" in html or "unpacks to more than the zip says" in html


def test_bytes_really_read_are_counted_whatever_the_zip_declares():
    """Even if the zip library believed a lying header, unpacking stops at the
    declared size (and at the ratio and total limits)."""

    class LyingArchive:
        def open(self, info):
            return io.BytesIO(b"a" * 100_000)

    info = zipfile.ZipInfo(f"{SLUG}/course.md")
    info.file_size, info.compress_size = 1000, 900
    with pytest.raises(UploadRefused) as caught:
        read_member(LyingArchive(), Member(info, tuple(info.filename.split("/"))), [10**7])
    assert "unpacks to more than the zip says" in str(caught.value)
    info.file_size = 100_000  # honest size, but the upload's budget is smaller
    with pytest.raises(UploadRefused):
        read_member(LyingArchive(), Member(info, ("c", "course.md")), [50_000])


def test_too_many_entries_are_refused(author_client):
    files = template_files()
    files.update({f"{SLUG}/notes-{n:03d}.md": "x" for n in range(200)})
    html = refused(author_client, make_zip(files))
    assert f"the zip holds {len(files)} entries; the most one upload may hold is 200" in html


@pytest.mark.parametrize(
    "member, expected",
    [
        ("../evil.md", "the path contains &#x27;..&#x27;"),
        (f"{SLUG}/../../evil.md", "the path contains &#x27;..&#x27;"),
        ("/etc/evil.md", "the path is absolute"),
        ("..\\evil.md", "the path uses backslashes"),
        (f"{SLUG}\\04-evil.md", "the path uses backslashes"),
        ("C:/Windows/evil.md", "the path starts with a drive letter"),
    ],
)
def test_path_traversal_is_refused(author_client, member, expected):
    html = refused(author_client, template_zip(**{member: "---\ntitle: x\n---\n"}))
    assert expected in html
    assert f"<code>{member}</code>" in html


def test_a_symlink_entry_is_refused(author_client):
    html = refused(author_client, symlink_zip())
    assert f"<code>{SLUG}/04-link.md</code>" in html
    assert "symbolic links are not accepted" in html


@pytest.mark.parametrize(
    "member, content, expected",
    [
        (f"{SLUG}/notes.html", "<script>alert(1)</script>", "only Markdown files ending in .md"),
        (f"{SLUG}/helper.py", "import os", "only Markdown files ending in .md"),
        (f"{SLUG}/chart.png", b"\x89PNG\r\n", "only Markdown files ending in .md"),
        (f"{SLUG}/01-shouting.MD", "---\n", "only Markdown files ending in .md"),
        (f"{SLUG}/more.zip", None, "archives inside the zip are not accepted"),
        ("taxonomy.yaml", "partners:\n  - {slug: evil, name: Evil}\n", "taxonomy files cannot"),
        (f"{SLUG}/taxonomy.yml", "sectors: []\n", "taxonomy files cannot"),
    ],
)
def test_files_that_are_not_markdown_are_refused_by_name(author_client, member, content, expected):
    if content is None:
        content = course_template_zip()[1]  # a nested zip
    html = refused(author_client, template_zip(**{member: content}))
    assert f"<code>{member}</code>" in html
    assert expected in html
    assert not Partner.objects.filter(slug="evil").exists()


def test_every_refused_file_is_listed_at_once(author_client):
    files = template_files()
    files.update({"../evil.md": "x", f"{SLUG}/a.html": "x", f"{SLUG}/b.py": "x"})
    html = refused(author_client, make_zip(files))
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 3, body


def test_lessons_in_a_folder_inside_the_course_folder_are_refused(author_client):
    html = refused(author_client, template_zip(**{f"{SLUG}/extra/05-hidden.md": "x"}))
    assert f"<code>{SLUG}/extra/05-hidden.md</code>" in html


# Refusals: the Markdown.


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(needle)]
    return lines[occurrence - 1]


def test_a_markdown_problem_names_file_line_and_problem(author_client):
    text = (TEMPLATE / LESSON_2).read_text()
    bad = re.sub(r"^explanation: .*\n", "", text, flags=re.MULTILINE)
    html = refused(author_client, template_zip(**{f"{SLUG}/{LESSON_2}": bad}))
    line = line_of(bad, "::: check")
    row = re.search(
        rf"<td><code>{SLUG}/{LESSON_2}</code></td>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>", html
    )
    assert row, html
    assert int(row.group(1)) == line
    assert row.group(2).startswith("Knowledge check 1 “")
    assert "add an explanation of why the right answer is right." in row.group(2)


def test_problems_name_files_as_they_are_in_the_zip():
    """With course.md at the top of the zip, no made-up folder appears."""
    files = template_files(prefix="")
    files["course.md"] = files["course.md"].replace("review_by: 2027-06-30", "review_by: soon")
    result = import_zip(io.BytesIO(make_zip(files)), partners=Partner.objects.all())
    line = line_of(files["course.md"], "review_by:")
    assert [str(p) for p in result.problems] == [
        f"course.md:{line}: 'review_by' must be a date written as YYYY-MM-DD"
    ]


def test_an_image_block_says_uploads_hold_markdown_only(author_client):
    text = (TEMPLATE / LESSON_2).read_text()
    image = "::: image\nfile: chart.png\nalt: A chart\n:::\n\n"
    html = refused(author_client, template_zip(**{f"{SLUG}/{LESSON_2}": text + "\n" + image}))
    assert IMAGE_MESSAGE.replace("'", "&#x27;") in html


def test_a_cover_says_uploads_hold_markdown_only(author_client):
    course_md = (
        (TEMPLATE / "course.md")
        .read_text()
        .replace("\n---\n", "\ncover: {file: cover.svg, alt: A pattern}\n---\n", 1)
    )
    html = refused(author_client, template_zip(**{f"{SLUG}/course.md": course_md}))
    assert COVER_MESSAGE.replace("'", "&#x27;") in html


def test_a_lesson_without_facts_checked_is_refused_at_its_file():
    files = template_files(prefix="")
    files[LESSON_2] = re.sub(r"(?m)^facts_checked: .*\n", "", files[LESSON_2])
    result = import_zip(io.BytesIO(make_zip(files)), partners=Partner.objects.all())
    assert [str(p) for p in result.problems] == [
        f"{LESSON_2}:1: 'facts_checked' is missing from the front matter: add "
        "'facts_checked: YYYY-MM-DD'"
    ]


@pytest.mark.parametrize("stage", ["parsing", "writing"])
def test_a_bad_second_lesson_leaves_nothing_half_imported(author_client, stage):
    text = (TEMPLATE / LESSON_2).read_text()
    if stage == "parsing":  # found before anything is written
        bad = text.replace("correct: [2]", "correct: [7]")
        expected = "&#x27;correct&#x27; names option 7"
    else:  # found while writing, after the first lesson was saved: rolled back
        bad = text.replace("## Agree the rules", "word " * 1200 + "\n\n## Agree the rules")
        expected = "a lesson must take five minutes or less"
    html = refused(author_client, template_zip(**{f"{SLUG}/{LESSON_2}": bad}))
    assert f"<code>{SLUG}/{LESSON_2}</code>" in html
    assert expected in html
    assert not LessonPage.objects.filter(slug="where-ai-helps").exists()


def test_an_author_cannot_import_for_another_partner(author_client):
    files = template_files()
    course = files[f"{SLUG}/course.md"].replace(
        "partner: northfield-college", "partner: meridian-university"
    )
    html = refused(author_client, template_zip(**{f"{SLUG}/course.md": course}))
    assert (
        "unknown partner &#x27;meridian-university&#x27;; you can import courses for: "
        "northfield-college" in html
    )


def test_a_platform_editor_may_import_for_any_partner(admin_client):
    files = template_files()
    course = files[f"{SLUG}/course.md"].replace(
        "partner: northfield-college", "partner: meridian-university"
    )
    response = upload(admin_client, template_zip(**{f"{SLUG}/course.md": course}))
    assert response.status_code == 302
    imported = CoursePage.objects.get(slug=SLUG)
    assert imported.get_parent().pk == shelf("meridian-university").pk
    assert not imported.live


# Who may use it.


def test_anonymous_visitors_are_sent_to_log_in(library):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    before = snapshot()
    assert upload(Client(), course_template_zip()[1]).status_code == 302
    assert snapshot() == before


def test_a_learner_is_turned_away(library, django_user_model):
    learner = django_user_model.objects.create_user("learner@example.com", "pw-learner-123")
    client = Client()
    client.force_login(learner)
    before = snapshot()
    for response in (
        client.get(URL),
        upload(client, course_template_zip()[1]),
        client.get(reverse("import_course_template")),
    ):
        # Wagtail's admin gate answers before the view: back to the login page.
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        assert b"Import as drafts" not in response.content
    assert snapshot() == before


def test_an_admin_user_who_authors_for_no_partner_gets_403(library, django_user_model):
    group = Group.objects.create(name="Admin access only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    client = signed_in(staff_user(group, email="reviewer@example.com"))
    before = snapshot()
    assert client.get(URL).status_code == 403
    assert upload(client, course_template_zip()[1]).status_code == 403
    assert client.get(reverse("import_course_template")).status_code == 403
    assert snapshot() == before
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Import a course" not in home.content.decode()


def test_the_upload_still_needs_a_csrf_token(author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    before = snapshot()
    assert upload(client, course_template_zip()[1]).status_code == 403
    assert snapshot() == before


def test_an_unexpected_error_is_reported_without_a_traceback(author_client, monkeypatch):
    from courses.importer import loader

    def broken(course):
        raise RuntimeError("database went away")  # after the course and lessons were saved

    monkeypatch.setattr(loader, "refresh_course_totals", broken)
    html = refused(author_client, course_template_zip()[1])
    assert "the import failed unexpectedly and was rolled back" in html
    assert "database went away" not in html


# Hostile and broken Markdown (issue 11): a table of problems, never a 500.


def problem_rows(html: str) -> list[tuple[str, str, str]]:
    rows = re.findall(
        r"<td><code>([^<]*)</code></td>\s*<td>(.*?)</td>\s*<td>([^<]*)</td>", html, re.DOTALL
    )
    return [
        (unescape(file), "" if "none" in line else line.strip(), unescape(message))
        for file, line, message in rows
    ]


def hostile_zip(layout: str, **changes) -> bytes:
    """The template with files changed (named without the course folder), as a
    zip of the course folder or with course.md at the top (which gave a 500:
    the front matter was read for the course's slug before anything else)."""
    prefix = "" if layout == "top" else SLUG
    files = template_files(prefix=prefix)
    for name, text in changes.items():
        key = f"{prefix}/{name}".lstrip("/")
        files[key] = text(files[key]) if callable(text) else text
    return make_zip(files)


def at(name: str, layout: str) -> str:
    return name if layout == "top" else f"{SLUG}/{name}"


@pytest.mark.parametrize("layout", ["top", "folder"])
def test_an_impossible_date_is_reported_on_the_form(author_client, layout):
    data = hostile_zip(
        layout,
        **{
            "course.md": lambda t: t.replace("review_by: 2027-06-30", "review_by: 2027-02-30"),
            LESSON_2: lambda t: re.sub(r"(?m)^facts_checked: .*$", "facts_checked: 2027-02-30", t),
        },
    )
    rows = problem_rows(refused(author_client, data))
    assert rows == [
        (
            at(LESSON_2, layout),
            "4",
            "'facts_checked' is 2027-02-30, which is not a real date: check the month and the "
            "day (YYYY-MM-DD)",
        ),
        (
            at("course.md", layout),
            str(line_of((TEMPLATE / "course.md").read_text(), "review_by:")),
            "'review_by' is 2027-02-30, which is not a real date: check the month and the day "
            "(YYYY-MM-DD)",
        ),
    ]


@pytest.mark.parametrize("layout", ["top", "folder"])
def test_yaml_nested_3000_deep_is_reported_on_the_form(author_client, layout):
    deep = "skills: " + DEEP_NESTING
    data = hostile_zip(layout, **{"course.md": lambda t: re.sub(r"(?m)^skills: .*$", deep, t)})
    rows = problem_rows(refused(author_client, data))
    line = line_of((TEMPLATE / "course.md").read_text(), "skills:")
    assert rows == [
        (at("course.md", layout), str(line), f"{TOO_DEEP_MESSAGE}; course files need a few")
    ]


@pytest.mark.parametrize("layout", ["top", "folder"])
def test_yaml_aliases_are_refused_before_they_expand(author_client, layout):
    """Before, these few lines (9**7 values) made an 82 MB page in 6 seconds."""
    laughs = billion_laughs().rstrip("\n")
    data = hostile_zip(
        layout,
        **{"course.md": lambda t: t.replace(f"slug: {SLUG}", laughs)},
        **{LESSON_2: lambda t: t.replace("question:", "question: &q", 1)},
    )
    assert len(data) < 10_000
    response = upload(author_client, data)
    assert response.status_code == 200
    assert len(response.content) < 100_000
    rows = problem_rows(refused(author_client, data))
    check = line_of((TEMPLATE / LESSON_2).read_text(), "question:")
    assert rows == [
        (at(LESSON_2, layout), str(check), ALIASES_MESSAGE),
        (at("course.md", layout), "3", ALIASES_MESSAGE),
    ]


def test_a_markdown_file_over_the_file_limit_is_refused_by_its_declared_size(author_client):
    text = (TEMPLATE / LESSON_2).read_text()
    big = text + "\n" + ("More words for the lesson. " * 2600)  # ~70 KB, compresses well
    html = refused(author_client, template_zip(**{f"{SLUG}/{LESSON_2}": big}))
    assert problem_rows(html) == [
        (
            f"{SLUG}/{LESSON_2}",
            "",
            f"the file is {len(big.encode()) / 1024:.3g} KB; the most one Markdown file may be is "
            "64 KB (a five-minute lesson is far smaller)",
        )
    ]


def test_a_byte_order_mark_and_windows_line_endings_import(author_client):
    files = {
        name: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
        for name, text in template_files().items()
    }
    response = upload(author_client, make_zip(files))
    assert response.status_code == 302
    assert LessonPage.objects.child_of(CoursePage.objects.get(slug=SLUG)).count() == 3


def test_an_unexpected_error_anywhere_in_the_upload_is_reported(author_client, monkeypatch):
    from courses.importer import zip_upload

    def broken(*args, **kwargs):
        raise MemoryError("out of memory while planning")

    monkeypatch.setattr(zip_upload, "plan", broken)
    html = refused(author_client, course_template_zip()[1])
    assert problem_rows(html) == [("course.zip", "", zip_upload.FAILED_MESSAGE)]


# Read in memory, named as in the zip (issue 12).


def test_an_upload_is_read_in_memory_and_never_unpacked_to_disk(author_client, monkeypatch):
    import tempfile

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload is read in memory")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_disk)
    monkeypatch.setattr(tempfile, "mkdtemp", no_disk)
    name, data = course_template_zip()
    assert upload(author_client, data, name).status_code == 302
    assert LessonPage.objects.child_of(CoursePage.objects.get(slug=SLUG)).count() == 3


def test_problems_in_a_wrapped_zip_name_the_wrapping_folder_too():
    text = (TEMPLATE / LESSON_2).read_text()
    files = {f"my-library/{name}": content for name, content in template_files().items()}
    files[f"my-library/{SLUG}/{LESSON_2}"] = text.replace("correct: [2]", "correct: [7]")
    result = import_zip(io.BytesIO(make_zip(files)), partners=Partner.objects.all())
    line = line_of(text, "correct:")
    assert [str(p) for p in result.problems] == [
        f"my-library/{SLUG}/{LESSON_2}:{line}: 'correct' names option 7, but the options are "
        "numbered 1 to 3"
    ]
