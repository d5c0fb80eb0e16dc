import math

import pytest

from content.blocks import LessonStreamBlock
from content.reading_time import course_minutes, estimate, rounded_minutes


def stream(*items):
    return LessonStreamBlock().to_python([{"type": t, "value": v} for t, v in items])


CHECK = {
    "question": "Which comes first?",
    "options": [{"text": "The decision", "is_correct": True}, {"text": "The tool"}],
    "explanation": "Decisions create value.",
}


def test_reading_time_counts_words_checks_but_not_sources():
    body = stream(
        ("markdown", "word " * 400),
        ("knowledge_check", CHECK),
        ("sources", {"sources": [{"title": "many words " * 50, "url": "https://gov.uk/"}]}),
    )
    result = estimate(body)
    assert result.checks == 1
    assert 400 < result.words < 420  # the check's question and options are read too
    assert result.seconds == math.ceil(result.words * 60 / 200 + 20)
    assert result.minutes == 3
    assert result.fits


def test_a_long_lesson_does_not_fit_and_says_how_much_to_cut():
    result = estimate(stream(("markdown", "word " * 1100)))
    assert not result.fits
    assert result.minutes == 6
    assert result.over_limit_by_words == 100


# The five-minute limit is inclusive: exactly 300 seconds fits, one second more does not.


@pytest.mark.parametrize(
    ("words", "seconds", "fits"),
    [(996, 299, True), (1000, 300, True), (1001, 301, False)],  # 0.3 s a word, rounded up
)
def test_the_limit_is_five_minutes_to_the_second(pace, words, seconds, fits):
    result = estimate(stream(("markdown", "word " * words)))
    assert (result.words, result.seconds, result.fits) == (words, seconds, fits)
    assert result.over_limit_by_words == (0 if fits else 4)


def test_a_check_counts_its_seconds_at_the_boundary(pace):
    # The check's own 10 words are read too: 923 + 10 words = 279.9 s, plus 20 s for the check.
    def lesson(words):
        return estimate(stream(("markdown", "word " * words), ("knowledge_check", CHECK)))

    assert (lesson(923).seconds, lesson(923).fits) == (300, True)
    assert (lesson(924).seconds, lesson(924).fits) == (301, False)


def test_publish_checks_refuse_one_second_over_and_accept_exactly_five_minutes(pace):
    from courses.publish_checks import lesson_errors

    sources = ("sources", {"sources": [{"title": "Guide", "url": "https://www.gov.uk/"}]})
    exact = stream(("markdown", "word " * 994), sources)
    over = stream(("markdown", "word " * 995), sources)
    summary = "Six words of summary are read."
    assert lesson_errors(body=exact, summary=summary) == {}
    [message] = lesson_errors(body=over, summary=summary)["body"]
    assert "a lesson must take five minutes or less" in message


# Every kind of block, counted as it is meant to be.

SOURCES = ("sources", {"sources": [{"title": "many words " * 50, "url": "https://gov.uk/"}]})


def test_blocks_after_a_sources_block_are_still_counted(pace):
    result = estimate(
        stream(SOURCES, ("markdown", "word " * 10), SOURCES, ("action", {"text": "do it"}))
    )
    assert result.words == 12


def test_videos_count_their_length_and_title_but_not_their_transcript(pace):
    def video(title, seconds):
        value = {"title": title, "url": "https://example.org/v", "transcript": "said " * 500}
        return ("video", value | {"duration_seconds": seconds})

    result = estimate(stream(video("Two words", 60), video("Three more words", 30)))
    assert (result.words, result.video_seconds, result.images, result.checks) == (5, 90, 0, 0)
    assert result.seconds == math.ceil(5 * 0.3 + 90)
    no_length = estimate(stream(video("Untimed", None)))
    assert (no_length.video_seconds, no_length.words) == (0, 1)
    untitled = estimate(stream(video("", 30)))
    assert (untitled.video_seconds, untitled.words) == (30, 0)


@pytest.mark.django_db
def test_each_image_adds_its_seconds_and_its_words_are_read(pace):
    image = {"image": None, "alt_text": "A chart of costs", "caption": "Costs by year"}
    result = estimate(stream(("image", image), ("image", image), ("markdown", "word " * 10)))
    assert result.images == 2
    assert result.words == 10 + 2 * (4 + 3)
    assert result.seconds == math.ceil(result.words * 0.3 + 2 * 12)


def test_each_check_adds_its_seconds(pace):
    result = estimate(stream(("knowledge_check", CHECK), ("knowledge_check", CHECK)))
    assert (result.checks, result.words, result.seconds) == (2, 20, math.ceil(20 * 0.3 + 40))


def test_every_text_block_and_the_summary_are_read(pace):
    body = stream(
        ("markdown", "one two"),
        ("key_takeaway", {"text": "three four five"}),
        ("case_study", {"title": "Six", "body": "seven eight"}),
        ("action", {"text": "nine ten"}),
    )
    assert estimate(body).words == 10
    assert estimate(body, extra_text="Eleven twelve thirteen.").words == 13


def test_the_pace_and_the_limit_come_from_the_settings(pace, settings):
    settings.FMA_READING_WORDS_PER_MINUTE = 100
    settings.FMA_SECONDS_PER_KNOWLEDGE_CHECK = 30
    result = estimate(stream(("markdown", "word " * 100), ("knowledge_check", CHECK)))
    assert result.seconds == math.ceil(110 * 60 / 100 + 30)
    settings.FMA_MAX_LESSON_SECONDS = 60
    assert not result.fits
    assert result.over_limit_by_words == math.ceil((result.seconds - 60) * 100 / 60)


def test_minutes_are_rounded_up_and_never_zero(pace):
    from content.reading_time import ReadingTime

    assert ReadingTime(words=0, images=0, checks=0).minutes == 1
    assert ReadingTime(words=200, images=0, checks=0).minutes == 1  # 60 s
    assert ReadingTime(words=201, images=0, checks=0).minutes == 2  # 61 s
    assert ReadingTime(words=0, images=0, checks=0, video_seconds=121).minutes == 3


def test_a_course_lasts_the_sum_of_its_lessons_minutes_as_listed():
    # Four lessons of 2 min 45 s each show "3 min": the course is 12 minutes, not 11.
    assert [rounded_minutes(165)] * 4 == [3, 3, 3, 3]
    assert course_minutes([165] * 4) == 12
    assert course_minutes([]) == 0
    assert course_minutes([0, 60, 61]) == 1 + 1 + 2
