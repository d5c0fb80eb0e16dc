"""The publish checks called directly, as the editor forms, the importer and
the review workflow call them: each rule, its exact message and the block it
names, on lesson bodies built from their stored JSON."""

import pytest

from content.blocks import LessonStreamBlock
from courses import publish_checks
from courses.models import CoursePage, LessonPage
from courses.publish_checks import BlockProblem, block_problems, course_errors, lesson_errors

SOURCES = ("sources", {"sources": [{"title": "AI Playbook", "url": "https://www.gov.uk/"}]})
CHECK = {
    "question": "Which comes first?",
    "options": [{"text": "The decision", "is_correct": True}, {"text": "The tool"}],
    "explanation": "Decisions create value.",
}
NO_ANSWER = "mark at least one option as the correct answer."
NO_EXPLANATION = "add an explanation of why the right answer is right."
NO_ALT = "add alt text that says what the image shows."
NO_TRANSCRIPT = "add a transcript of the video."
NO_SOURCES = "Add a Sources block: every lesson cites where its facts come from."


def stream(*items):
    return LessonStreamBlock().to_python([{"type": t, "value": v} for t, v in items])


def check(**changes):
    return ("knowledge_check", CHECK | changes)


def image(**value):
    return ("image", {"image": None} | value)


def video(**changes):
    value = {
        "title": "How twins work",
        "url": "https://video.example.org/twins",
        "duration_seconds": 60,
        "transcript": "A narrator explains digital twins.",
    }
    return ("video", value | changes)


# Problems in blocks


def test_a_complete_lesson_has_no_problems_and_no_errors(pace):
    body = stream(
        ("markdown", "Some words."),
        check(),
        image(alt_text="A chart", caption="Sales"),
        video(),
        ("case_study", {"title": "A trust", "body": "What they did."}),
        SOURCES,
    )
    assert block_problems(body) == []
    assert lesson_errors(body=body) == {}


def test_a_problem_names_its_block_position_field_and_message():
    body = stream(("markdown", "Intro."), check(explanation=""), SOURCES)
    assert block_problems(body) == [
        BlockProblem(1, "Knowledge check 1 “Which comes first?”", "explanation", NO_EXPLANATION)
    ]
    assert str(block_problems(body)[0]) == (
        f"Knowledge check 1 “Which comes first?”: {NO_EXPLANATION}"
    )


def test_blocks_are_numbered_per_kind_in_body_order():
    body = stream(
        image(alt_text="A chart"),
        check(),
        ("markdown", "Between."),
        check(question="Which is second?", explanation=" \n "),
        image(alt_text="", caption="Second chart"),
        video(title="Third video", transcript=""),
        video(),
        video(title="A later one", transcript="   "),
    )
    assert [(p.index, p.name, p.field) for p in block_problems(body)] == [
        (3, "Knowledge check 2 “Which is second?”", "explanation"),
        (4, "Image 2 “Second chart”", "alt_text"),
        (5, "Video 1 “Third video”", "transcript"),
        (7, "Video 3 “A later one”", "transcript"),
    ]


def test_a_block_without_a_title_is_named_by_kind_and_number_alone():
    body = stream(image(alt_text=""), image(alt_text="  ", caption=""))
    assert [str(problem) for problem in block_problems(body)] == [
        f"Image 1: {NO_ALT}",
        f"Image 2: {NO_ALT}",
    ]


def test_a_long_title_is_cut_to_forty_characters():
    question = "Which of these is the first thing a board should ask about AI?"
    [problem] = block_problems(stream(check(question=question, explanation="")))
    assert problem.name == "Knowledge check 1 “Which of these is the first thing a boa…”"
    forty = "x" * 40
    [problem] = block_problems(stream(check(question=forty, explanation="")))
    assert problem.name == f"Knowledge check 1 “{forty}”"


def test_missing_fields_count_as_empty():
    body = stream(
        ("image", {"image": None}),
        ("video", {"title": "Untold", "url": "https://example.org/v"}),
        ("knowledge_check", {"question": "Empty?"}),
    )
    assert [(p.index, p.field, p.message) for p in block_problems(body)] == [
        (0, "alt_text", NO_ALT),
        (1, "transcript", NO_TRANSCRIPT),
        (2, "options", NO_ANSWER),
        (2, "explanation", NO_EXPLANATION),
    ]


def test_a_check_needs_one_correct_option_whichever_it_is():
    first = [{"text": "A", "is_correct": True}, {"text": "B", "is_correct": False}]
    last = [{"text": "A", "is_correct": False}, {"text": "B", "is_correct": True}]
    none = [{"text": "A", "is_correct": False}, {"text": "B", "is_correct": False}]
    body = stream(check(options=first), check(options=last), check(options=none))
    assert [(p.index, p.field, p.message) for p in block_problems(body)] == [
        (2, "options", NO_ANSWER)
    ]


def test_a_check_with_neither_answer_nor_explanation_has_two_problems():
    body = stream(check(options=[{"text": "A"}, {"text": "B"}], explanation=""), SOURCES)
    assert lesson_errors(body=body) == {
        "body": [
            f"Knowledge check 1 “Which comes first?”: {NO_ANSWER}",
            f"Knowledge check 1 “Which comes first?”: {NO_EXPLANATION}",
        ]
    }


def test_other_blocks_are_never_faulted_for_empty_fields():
    body = stream(
        ("markdown", ""),
        ("key_takeaway", {"text": ""}),
        ("case_study", {"title": "", "body": ""}),
        ("action", {"text": ""}),
        SOURCES,
    )
    assert block_problems(body) == []


# Lesson errors


def test_a_lesson_without_sources_is_told_to_add_them_after_its_block_problems():
    body = stream(image(alt_text="", caption="Chart"), ("markdown", "Words."))
    assert lesson_errors(body=body) == {"body": [f"Image 1 “Chart”: {NO_ALT}", NO_SOURCES]}
    assert lesson_errors(body=stream(("markdown", "Words."), SOURCES)) == {}


def test_a_lesson_over_five_minutes_says_how_long_it_takes_and_how_much_to_cut(pace):
    body = stream(("markdown", "word " * 1100), SOURCES)
    assert lesson_errors(body=body) == {
        "body": [
            "This lesson takes about 6 minutes (1100 words, 0 images, 0 knowledge checks); "
            "a lesson must take five minutes or less. "
            "Cut about 100 words or split it into two lessons before publishing."
        ]
    }


def test_the_long_lesson_message_counts_images_checks_and_video(pace):
    body = stream(
        ("markdown", "word " * 900),
        image(alt_text="A chart"),
        check(),
        video(title="Two words", duration_seconds=45),
        SOURCES,
    )
    # 915 words (the markdown, the alt text, the check, the video's title) = 274.5 s,
    # + 12 s image + 20 s check + 45 s video = 352 s: 52 s, about 174 words, too long.
    assert lesson_errors(body=body) == {
        "body": [
            "This lesson takes about 6 minutes (915 words, 1 image, 1 knowledge check, "
            "45 seconds of video); a lesson must take five minutes or less. "
            "Cut about 174 words or split it into two lessons before publishing."
        ]
    }


def test_the_summary_counts_towards_the_reading_time(pace):
    body = stream(("markdown", "word " * 1000), SOURCES)
    assert lesson_errors(body=body, summary="") == {}
    [message] = lesson_errors(body=body, summary="one more")["body"]
    assert message.startswith("This lesson takes about 6 minutes (1002 words,")


def test_every_problem_of_a_lesson_is_listed_in_order(pace):
    body = stream(("markdown", "word " * 1100), video(transcript=""))
    assert lesson_errors(body=body) == {
        "body": [
            f"Video 1 “How twins work”: {NO_TRANSCRIPT}",
            NO_SOURCES,
            "This lesson takes about 7 minutes (1103 words, 0 images, 0 knowledge checks, "
            "60 seconds of video); a lesson must take five minutes or less. "
            "Cut about 304 words or split it into two lessons before publishing.",
        ]
    }


# Course errors


class Outcome:
    """A learning outcome as a bound block: only its value is read."""

    def __init__(self, value):
        self.value = value


def test_a_tagged_course_with_an_outcome_has_no_errors():
    assert (
        course_errors(sectors=[1], seniority_levels=[2], learning_outcomes=[Outcome("Ask")]) == {}
    )


def test_a_course_needs_a_sector_and_a_seniority_level():
    assert course_errors(sectors=[], seniority_levels=None) == {
        "sectors": ["Choose at least one sector before publishing this course."],
        "seniority_levels": ["Choose at least one seniority level before publishing this course."],
    }
    assert course_errors(sectors=[1], seniority_levels=[]) == {
        "seniority_levels": ["Choose at least one seniority level before publishing this course."],
    }
    assert course_errors(sectors=None, seniority_levels=[1]) == {
        "sectors": ["Choose at least one sector before publishing this course."],
    }


def test_learning_outcomes_are_checked_only_when_given_and_blank_ones_do_not_count():
    outcome_error = {
        "learning_outcomes": [
            "Add at least one learning outcome: what a learner can do after the course."
        ]
    }
    tagged = {"sectors": [1], "seniority_levels": [1]}
    assert course_errors(**tagged, learning_outcomes=None) == {}
    assert course_errors(**tagged) == {}
    assert course_errors(**tagged, learning_outcomes=[]) == outcome_error
    assert course_errors(**tagged, learning_outcomes=[Outcome("  "), Outcome("")]) == outcome_error
    assert course_errors(**tagged, learning_outcomes=[Outcome(" "), Outcome("Ask")]) == {}


# Draft lessons published with their course


@pytest.fixture
def course(library):
    return CoursePage.objects.get(slug="ai-for-the-board")


def raw(*items):
    return [{"type": t, "value": v} for t, v in items]


def test_a_course_with_no_pending_drafts_has_no_lesson_errors(course):
    assert publish_checks.draft_lesson_errors(course) == []


def test_draft_lessons_are_checked_by_their_latest_revision_and_named(course):
    new = LessonPage(
        title="New draft",
        slug="new-draft",
        summary="s",
        body=raw(("markdown", "Words.")),
        live=False,
    )
    course.add_child(instance=new)
    new.save_revision()
    changed = LessonPage.objects.child_of(course).live().order_by("path").first().specific
    changed.title = "Renamed in draft"
    changed.body = raw(check(explanation=""), SOURCES)
    changed.save_revision()
    assert publish_checks.draft_lesson_errors(course) == [
        f"Lesson “Renamed in draft”: Knowledge check 1 “Which comes first?”: {NO_EXPLANATION}",
        f"Lesson “New draft”: {NO_SOURCES}",
    ]


def test_a_draft_lesson_is_timed_with_its_summary(course, pace):
    new = LessonPage(
        title="Just too long",
        slug="just-too-long",
        summary="one more",
        body=raw(("markdown", "word " * 1000), SOURCES),
        live=False,
    )
    course.add_child(instance=new)
    new.save_revision()
    assert publish_checks.draft_lesson_errors(course) == [
        "Lesson “Just too long”: This lesson takes about 6 minutes (1002 words, 0 images, "
        "0 knowledge checks); a lesson must take five minutes or less. "
        "Cut about 4 words or split it into two lessons before publishing."
    ]
