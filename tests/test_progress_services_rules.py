"""The rows lesson progress writes: events, enrolments, answers, time spent and
course completion, each written once however often the learner repeats it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from courses.models import CoursePage, LessonPage
from courses.synthetic import build_catalogue
from lms.certificates.models import Certificate
from lms.progress.models import CheckAnswer, Enrolment, LearningEvent, LessonProgress, Verb
from lms.progress.services import (
    answer_check,
    complete_lesson,
    record_event,
    start_lesson,
)
from lms.progress.signals import course_completed, lesson_completed

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def learner(django_user_model, library):
    return django_user_model.objects.create_user("grace@example.com", "pw-grace-12345")


@pytest.fixture
def board():
    course = CoursePage.objects.get(slug="ai-for-the-board")
    return course, list(LessonPage.objects.child_of(course).live().order_by("path"))


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def right_and_wrong(check):
    right = sorted(check.value.correct_options())
    wrong = [n for n in range(1, len(check.value["options"]) + 1) if n not in right][:1]
    return [str(n) for n in right], [str(n) for n in wrong]


def events(user):
    return list(
        LearningEvent.objects.filter(user=user)
        .order_by("id")
        .values_list("verb", "lesson_id", "course_id", "result", "dedupe_key")
    )


def test_record_event_writes_once_per_dedupe_key(learner, board):
    course, _ = board
    assert record_event(learner, Verb.ENROLLED, course=course, dedupe_key="k", at=NINE) is True
    assert record_event(learner, Verb.ENROLLED, course=course, dedupe_key="k") is False
    event = LearningEvent.objects.get(user=learner)
    assert (event.verb, event.course_id, event.lesson_id, event.result) == (
        "enrolled",
        course.pk,
        None,
        {},
    )
    assert (event.occurred_at, event.dedupe_key) == (NINE, "k")


def test_opening_a_lesson_enrols_and_starts_it_with_one_event_each(learner, board):
    course, lessons = board
    with time_machine.travel(NINE, tick=False):
        progress = start_lesson(learner, lessons[0])
        again = start_lesson(learner, lessons[0])
    assert progress.pk == again.pk
    assert (progress.user, progress.lesson_id, progress.course_id) == (
        learner,
        lessons[0].pk,
        course.pk,
    )
    assert (progress.started_at, progress.completed_at, progress.seconds_spent) == (NINE, None, 0)
    enrolment = Enrolment.objects.get(user=learner)
    assert (enrolment.course_id, enrolment.enrolled_at, enrolment.completed_at) == (
        course.pk,
        NINE,
        None,
    )
    u, c, lesson = learner.pk, course.pk, lessons[0].pk
    assert events(learner) == [
        ("enrolled", None, c, {}, f"enrolled:{u}:{c}"),
        ("started", lesson, c, {}, f"started:{u}:{lesson}"),
    ]
    assert set(LearningEvent.objects.values_list("occurred_at", flat=True)) == {NINE}


def test_a_second_lesson_of_the_course_starts_without_enrolling_again(learner, board):
    _, lessons = board
    start_lesson(learner, lessons[0])
    start_lesson(learner, lessons[1])
    assert Enrolment.objects.filter(user=learner).count() == 1
    assert [verb for verb, *_ in events(learner)] == ["enrolled", "started", "started"]


def test_back_at_a_started_lesson_it_is_one_query(learner, board, django_assert_num_queries):
    _, lessons = board
    first = start_lesson(learner, lessons[0])
    lesson = LessonPage.objects.get(pk=lessons[0].pk)
    lesson.course  # noqa: B018 (routing gives the page its course; here it is read first)
    with django_assert_num_queries(1):
        assert start_lesson(learner, lesson).pk == first.pk


def test_a_lesson_moved_to_another_course_enrols_the_learner_in_that_course(learner, board):
    course, lessons = board
    start_lesson(learner, lessons[0])
    elsewhere = CoursePage.objects.live().exclude(pk=course.pk).order_by("path").first()
    lessons[0].move(elsewhere, pos="last-child")
    moved = LessonPage.objects.get(pk=lessons[0].pk)
    again = start_lesson(learner, moved)
    assert again.lesson_id == moved.pk
    assert set(Enrolment.objects.filter(user=learner).values_list("course_id", flat=True)) == {
        course.pk,
        elsewhere.pk,
    }
    assert LessonProgress.objects.filter(user=learner).count() == 1


def test_an_answer_is_recorded_once_per_attempt_with_its_result(learner, board):
    course, lessons = board
    check = check_of(lessons[0])
    right, wrong = right_and_wrong(check)
    with time_machine.travel(NINE, tick=False):
        feedback = answer_check(learner, lessons[0], check, wrong, "t1").feedback
    assert feedback.correct is False and feedback.selected == {int(n) for n in wrong}
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        answer_check(learner, lessons[0], check, wrong, "t1")  # the same form again
    answer = CheckAnswer.objects.get(user=learner)
    assert (answer.lesson_id, answer.block_id, answer.attempts) == (lessons[0].pk, check.id, 1)
    assert (answer.first_attempt_correct, answer.last_correct) == (False, False)
    assert (answer.first_answered_at, answer.last_answered_at) == (NINE, NINE)
    u, lesson = learner.pk, lessons[0].pk
    assert events(learner)[-1] == (
        "answered",
        lesson,
        course.pk,
        {"check": check.id, "selected": [int(n) for n in wrong], "correct": False},
        f"answered:{u}:{lesson}:{check.id}:t1",
    )
    assert LessonProgress.objects.filter(user=learner, lesson=lessons[0]).exists()

    later = NINE + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        feedback = answer_check(learner, lessons[0], check, right, "t2").feedback
    assert feedback.correct is True
    answer.refresh_from_db()
    assert answer.attempts == 2
    assert (answer.first_attempt_correct, answer.last_correct) == (False, True)
    assert (answer.first_answered_at, answer.last_answered_at) == (NINE, later)
    assert events(learner)[-1][3] == {
        "check": check.id,
        "selected": [int(n) for n in right],
        "correct": True,
    }
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        answer_check(learner, lessons[0], check, wrong, "t3")
    answer.refresh_from_db()
    assert (answer.attempts, answer.first_attempt_correct, answer.last_correct) == (3, False, False)


def test_a_right_first_answer_is_remembered_as_first_attempt_correct(learner, board):
    _, lessons = board
    check = check_of(lessons[0])
    right, _ = right_and_wrong(check)
    answer_check(learner, lessons[0], check, right, "t1")
    answer = CheckAnswer.objects.get(user=learner)
    assert (answer.attempts, answer.first_attempt_correct, answer.last_correct) == (1, True, True)


def test_answers_without_an_attempt_token_each_count(learner, board):
    _, lessons = board
    check = check_of(lessons[0])
    _, wrong = right_and_wrong(check)
    with time_machine.travel(NINE, tick=False):
        answer_check(learner, lessons[0], check, wrong, "")
    with time_machine.travel(NINE + timedelta(seconds=5), tick=False):
        answer_check(learner, lessons[0], check, wrong, "")
    assert CheckAnswer.objects.get(user=learner).attempts == 2
    keys = [key for verb, *_, key in events(learner) if verb == "answered"]
    prefix = f"answered:{learner.pk}:{lessons[0].pk}:{check.id}:"
    assert keys == [prefix + str(NINE.timestamp()), prefix + str(NINE.timestamp() + 5)]


def test_a_long_attempt_token_is_cut_to_fit_the_dedupe_key(learner, board):
    _, lessons = board
    check = check_of(lessons[0])
    _, wrong = right_and_wrong(check)
    token = "x" * 300
    answer_check(learner, lessons[0], check, wrong, token)
    answer_check(learner, lessons[0], check, wrong, token)
    key = f"answered:{learner.pk}:{lessons[0].pk}:{check.id}:{token}"[:200]
    assert LearningEvent.objects.get(verb=Verb.ANSWERED).dedupe_key == key
    assert len(key) == 200
    assert CheckAnswer.objects.get(user=learner).attempts == 1


def test_no_answer_or_no_signed_in_learner_records_no_answer(learner, board):
    _, lessons = board
    check = check_of(lessons[0])
    right, _ = right_and_wrong(check)
    assert answer_check(AnonymousUser(), lessons[0], check, right, "t2").feedback.correct
    assert answer_check(None, lessons[0], check, right, "t3").feedback.correct
    assert not LearningEvent.objects.exists() and not LessonProgress.objects.exists()
    empty = answer_check(learner, lessons[0], check, [], "t1")
    assert empty.feedback.error == "Choose an answer, then check it."
    # The learner has the lesson open (answering starts it), but no answer is stored.
    assert empty.progress == LessonProgress.objects.get(user=learner, lesson=lessons[0])
    assert not CheckAnswer.objects.exists()
    assert set(LearningEvent.objects.values_list("verb", flat=True)) == {
        Verb.ENROLLED,
        Verb.STARTED,
    }


def complete_after(user, lesson, seconds, reading_seconds):
    """Completes `lesson` `seconds` after opening it, as if it read in `reading_seconds`."""
    lesson.reading_seconds = reading_seconds
    with time_machine.travel(NINE, tick=False):
        start_lesson(user, lesson)
    with time_machine.travel(NINE + timedelta(seconds=seconds), tick=False):
        return complete_lesson(user, lesson)


@pytest.mark.parametrize(
    ("seconds", "reading_seconds", "spent"),
    [
        (120, 60, 120),  # the time from opening to completing
        (1000, 60, 300),  # capped at five minutes for a short lesson
        (1000, 200, 600),  # or at three times the reading time for a longer one
        (0, 60, 60),  # completed at once: the reading time
        (-30, 60, 60),  # a clock that went backwards: the reading time
    ],
)
def test_time_spent_is_measured_and_capped(learner, board, seconds, reading_seconds, spent):
    course, lessons = board
    completion = complete_after(learner, lessons[0], seconds, reading_seconds)
    at = NINE + timedelta(seconds=seconds)
    assert (completion.newly_completed, completion.course_completed) == (True, False)
    progress = LessonProgress.objects.get(user=learner, lesson=lessons[0])
    assert completion.progress == progress
    assert (progress.completed_at, progress.seconds_spent) == (at, spent)
    completed = LearningEvent.objects.get(user=learner, verb=Verb.COMPLETED)
    assert (completed.lesson_id, completed.course_id, completed.result) == (
        lessons[0].pk,
        course.pk,
        {"seconds": spent},
    )
    assert (completed.occurred_at, completed.dedupe_key) == (
        at,
        f"completed:{learner.pk}:{lessons[0].pk}",
    )


def test_completing_again_changes_nothing(learner, board):
    _, lessons = board
    complete_after(learner, lessons[0], 120, 60)
    with time_machine.travel(NINE + timedelta(hours=1), tick=False):
        again = complete_lesson(learner, lessons[0])
    assert (again.newly_completed, again.course_completed) == (False, False)
    assert (again.progress.completed_at, again.progress.seconds_spent) == (
        NINE + timedelta(seconds=120),
        120,
    )
    assert LearningEvent.objects.filter(user=learner, verb=Verb.COMPLETED).count() == 1


def test_the_completion_event_is_dated_when_the_lesson_was_completed(learner, board):
    _, lessons = board
    completion = complete_lesson(learner, lessons[0])  # the real, moving clock
    event = LearningEvent.objects.get(user=learner, verb=Verb.COMPLETED)
    assert event.occurred_at == completion.progress.completed_at


def test_the_last_lesson_completes_the_course_once_with_a_certificate(learner, board):
    course, lessons = board
    for lesson in lessons[:-1]:
        assert complete_lesson(learner, lesson).course_completed is False
    assert not Enrolment.objects.filter(user=learner, completed_at__isnull=False).exists()
    with time_machine.travel(NINE, tick=False):
        last = complete_lesson(learner, lessons[-1])
    assert (last.newly_completed, last.course_completed) == (True, True)
    assert Enrolment.objects.get(user=learner, course=course).completed_at == NINE
    finished = LearningEvent.objects.get(user=learner, verb=Verb.COURSE_COMPLETED)
    assert (finished.course_id, finished.lesson_id, finished.result) == (course.pk, None, {})
    assert (finished.occurred_at, finished.dedupe_key) == (
        NINE,
        f"course_completed:{learner.pk}:{course.pk}",
    )
    certificate = Certificate.objects.get(user=learner)
    assert (certificate.course_id, certificate.issued_at) == (course.pk, NINE)


def test_a_lesson_added_to_a_finished_course_does_not_finish_it_again(learner, board):
    course, lessons = board
    for lesson in lessons:
        complete_lesson(learner, lesson)
    added = course.add_child(
        instance=LessonPage(title="A new lesson", slug="a-new-lesson", summary="s", body=[])
    )
    assert complete_lesson(learner, added).course_completed is False
    assert LearningEvent.objects.filter(user=learner, verb=Verb.COURSE_COMPLETED).count() == 1
    assert Certificate.objects.filter(user=learner).count() == 1


def test_completing_an_unpublished_lesson_of_a_course_with_no_live_lessons_finishes_nothing(
    learner,
):
    build_catalogue(lessons=1, lessons_per_course=1, prefix="drafts")
    draft = LessonPage.objects.get(slug="lesson-0", title__startswith="Synthetic")
    LessonPage.objects.filter(pk=draft.pk).update(live=False)
    assert complete_lesson(learner, draft).course_completed is False
    assert Enrolment.objects.get(user=learner).completed_at is None
    assert not LearningEvent.objects.filter(verb=Verb.COURSE_COMPLETED).exists()
    assert not Certificate.objects.exists()


def test_answer_and_course_events_are_dated_when_they_happened(learner, board):
    course, lessons = board  # the real, moving clock throughout
    check = check_of(lessons[0])
    _, wrong = right_and_wrong(check)
    answer_check(learner, lessons[0], check, wrong, "t1")
    answered = LearningEvent.objects.get(user=learner, verb=Verb.ANSWERED)
    assert answered.occurred_at == CheckAnswer.objects.get(user=learner).first_answered_at
    for lesson in lessons:
        complete_lesson(learner, lesson)
    finished = LearningEvent.objects.get(user=learner, verb=Verb.COURSE_COMPLETED)
    assert finished.occurred_at == Enrolment.objects.get(user=learner).completed_at


def test_each_learner_completes_only_their_own_lessons_and_courses(
    learner, board, django_user_model
):
    course, lessons = board
    other = django_user_model.objects.create_user("alan@example.com", "pw-alan-12345")
    for lesson in lessons[:-1]:
        complete_lesson(other, lesson)
    start_lesson(other, lessons[-1])
    elsewhere = CoursePage.objects.get(slug="buying-ai-well")
    start_lesson(learner, LessonPage.objects.child_of(elsewhere).live().first())

    assert complete_lesson(learner, lessons[-1]).course_completed is False
    assert LessonProgress.objects.get(user=other, lesson=lessons[-1]).completed_at is None
    for lesson in lessons[:-1]:
        complete_lesson(learner, lesson)
    assert Enrolment.objects.get(user=learner, course=course).completed_at is not None
    assert Enrolment.objects.get(user=other, course=course).completed_at is None
    assert Enrolment.objects.get(user=learner, course=elsewhere).completed_at is None
    assert list(Certificate.objects.values_list("user", "course")) == [(learner.pk, course.pk)]


def test_opened_lessons_do_not_count_towards_finishing_the_course(learner, board):
    _, lessons = board
    for lesson in lessons:
        start_lesson(learner, lesson)
    for lesson in lessons[:-1]:
        assert complete_lesson(learner, lesson).course_completed is False
    assert complete_lesson(learner, lessons[-1]).course_completed is True


def test_finishing_a_course_leaves_other_learners_enrolments_alone(
    learner, board, django_user_model
):
    course, lessons = board
    for lesson in lessons:
        complete_lesson(learner, lesson)
    other = django_user_model.objects.create_user("alan@example.com", "pw-alan-12345")
    start_lesson(other, lessons[0])
    added = course.add_child(
        instance=LessonPage(title="A new lesson", slug="a-new-lesson", summary="s", body=[])
    )
    assert complete_lesson(learner, added).course_completed is False
    assert Enrolment.objects.get(user=other).completed_at is None


def test_completions_tell_the_apps_above_exactly_who_finished_what(learner, board):
    course, lessons = board
    heard = []

    def on_lesson(sender, **kwargs):
        heard.append(("lesson", sender, kwargs))

    def on_course(sender, **kwargs):
        heard.append(("course", sender, kwargs))

    lesson_completed.connect(on_lesson)
    course_completed.connect(on_course)
    try:
        for lesson in lessons[:-1]:
            complete_lesson(learner, lesson)
        heard.clear()
        with time_machine.travel(NINE, tick=False):
            last = complete_lesson(learner, lessons[-1])
        complete_lesson(learner, lessons[-1])  # again: nothing new, nothing sent
    finally:
        lesson_completed.disconnect(on_lesson)
        course_completed.disconnect(on_course)
    (first, lesson_kwargs), (second, course_kwargs) = [(h[:2], h[2]) for h in heard]
    assert first == ("lesson", LessonProgress) and second == ("course", Enrolment)
    assert lesson_kwargs["user"] == learner and lesson_kwargs["lesson"] == lessons[-1]
    assert lesson_kwargs["progress"] == last.progress
    assert lesson_kwargs["progress"].completed_at == NINE
    assert (course_kwargs["user"], course_kwargs["course"]) == (learner, course)
    assert course_kwargs["completed_at"] == NINE
    assert last.certificate == Certificate.objects.get(user=learner, course=course)


def test_an_answer_carries_the_progress_of_the_lesson_it_started(learner, board):
    _, lessons = board
    check = check_of(lessons[0])
    right, _ = right_and_wrong(check)
    answer = answer_check(learner, lessons[0], check, right, "t1")
    assert answer.feedback.correct
    assert answer.progress == LessonProgress.objects.get(user=learner, lesson=lessons[0])


def test_a_replayed_answer_still_carries_the_lesson_progress(learner, board):
    _, lessons = board
    check = check_of(lessons[0])
    right, _ = right_and_wrong(check)
    answer_check(learner, lessons[0], check, right, "same-form")
    again = answer_check(learner, lessons[0], check, right, "same-form")
    assert again.progress == LessonProgress.objects.get(user=learner, lesson=lessons[0])
    assert CheckAnswer.objects.get(user=learner).attempts == 1
