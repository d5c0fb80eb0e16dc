import math

import pytest

from content.blocks import LessonStreamBlock
from content.reading_time import estimate


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


@pytest.fixture
def pace(settings):
    settings.FMA_READING_WORDS_PER_MINUTE = 200
    settings.FMA_MAX_LESSON_SECONDS = 300
    settings.FMA_SECONDS_PER_KNOWLEDGE_CHECK = 20
    settings.FMA_SECONDS_PER_IMAGE = 12


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
