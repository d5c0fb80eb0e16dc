"""Reading time of a lesson, estimated from its blocks: words at a steady
reading pace, plus a fixed time for each image and each knowledge check, plus
each video's length (its transcript is for those who cannot watch, so it is
not counted twice). Sources are not counted: nobody reads a reference list in the five minutes."""

import math
from dataclasses import dataclass

from django.conf import settings

from .markdown import plain_words

NOT_READ = {"sources"}


def rounded_minutes(seconds: int) -> int:
    """A lesson's minutes as learners see them: whole minutes, rounded up, at least one."""
    return max(1, math.ceil(seconds / 60))


def course_minutes(lesson_seconds) -> int:
    """A course's minutes: the sum of its lessons' minutes as listed, so the
    course never says "11 minutes" beside four lessons of 3 min."""
    return sum(rounded_minutes(seconds) for seconds in lesson_seconds)


@dataclass(frozen=True)
class ReadingTime:
    words: int
    images: int
    checks: int
    video_seconds: int = 0

    @property
    def seconds(self) -> int:
        reading = self.words * 60 / settings.FMA_READING_WORDS_PER_MINUTE
        return math.ceil(
            reading
            + self.images * settings.FMA_SECONDS_PER_IMAGE
            + self.checks * settings.FMA_SECONDS_PER_KNOWLEDGE_CHECK
            + self.video_seconds
        )

    @property
    def minutes(self) -> int:
        return rounded_minutes(self.seconds)

    @property
    def over_limit_by_words(self) -> int:
        """Roughly how many words to cut to fit the limit."""
        excess = self.seconds - settings.FMA_MAX_LESSON_SECONDS
        return max(0, math.ceil(excess * settings.FMA_READING_WORDS_PER_MINUTE / 60))

    @property
    def fits(self) -> bool:
        return self.seconds <= settings.FMA_MAX_LESSON_SECONDS


def estimate(stream_value, *, extra_text: str = "") -> ReadingTime:
    """Estimate for a StreamValue (or anything iterable of bound blocks)."""
    words = plain_words(extra_text)
    images = checks = video_seconds = 0
    for child in stream_value:
        if child.block_type in NOT_READ:
            continue
        if child.block_type == "video":
            video_seconds += child.value.get("duration_seconds") or 0
            words += plain_words(child.value.get("title") or "")
            continue
        if child.block_type == "image":
            images += 1
        elif child.block_type == "knowledge_check":
            checks += 1
        for text in child.block.get_searchable_content(child.value):
            words += plain_words(text)
    return ReadingTime(words=words, images=images, checks=checks, video_seconds=video_seconds)
