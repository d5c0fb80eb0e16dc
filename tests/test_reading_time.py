import math

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
