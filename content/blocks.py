"""StreamField blocks for lessons. Each block renders through its own template
under templates/blocks/."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock

from .markdown import html_of, markdown_problem

# A case study is either labelled illustrative in its title or names the
# published report of the real one on a line of its own.
ILLUSTRATIVE = re.compile(r"\(illustrative\)\s*$", re.IGNORECASE)
CASE_STUDY_SOURCE = re.compile(r"^source:\s*(?P<rest>.*)$", re.IGNORECASE)
CASE_STUDY_SOURCE_LINK = re.compile(
    r"^\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)(?:\s*[—–-]+\s*(?P<publisher>.+))?\s*$"
)


def check_markdown(text: str) -> None:
    """Refuses Markdown that cannot be shown quickly, or at all."""
    if problem := markdown_problem(text):
        raise ValidationError(problem)


class MarkdownBlock(blocks.TextBlock):
    """Markdown source, rendered to sanitised HTML."""

    def render_basic(self, value, context=None):
        stored = getattr((context or {}).get("page"), "rendered_markdown", None)
        return mark_safe(html_of(stored, value))  # html_of's HTML is sanitised

    @cached_property
    def field(self):
        # A Markdown block at the top of a StreamField has no <label> of its
        # own (Wagtail shows the block's name as a heading): name the text area.
        field = super().field
        field.widget.attrs.setdefault("aria-label", f"{self.label} (Markdown)")
        return field

    def clean(self, value):
        value = super().clean(value)
        check_markdown(value)
        return value

    class Meta:
        icon = "doc-full"
        rows = 8
        help_text = "Markdown. ## for headings, **bold**, - for bullet lists, [text](https://...)."


def markdown_texts(block, value) -> list[str]:
    """Every Markdown text in a block's stored (JSON) value, in order: what a
    page renders once, when it is saved."""
    if isinstance(block, MarkdownBlock):
        return [value] if isinstance(value, str) and value else []
    if isinstance(block, blocks.StreamBlock):
        return [
            text
            for item in value or []
            if (child := block.child_blocks.get(item.get("type"))) is not None
            for text in markdown_texts(child, item.get("value"))
        ]
    if isinstance(block, blocks.ListBlock):
        return [
            text
            for item in value or []
            for text in markdown_texts(
                block.child_block,
                item["value"] if isinstance(item, dict) and item.get("type") == "item" else item,
            )
        ]
    if isinstance(block, blocks.StructBlock):
        return [
            text
            for name, child in block.child_blocks.items()
            for text in markdown_texts(child, (value or {}).get(name))
        ]
    return []


class KeyTakeawayBlock(blocks.StructBlock):
    text = MarkdownBlock(rows=3, help_text="The one thing to remember, in a sentence or two.")

    class Meta:
        icon = "pick"
        label = "Key takeaway"
        template = "blocks/key_takeaway.html"
        preview_value = {"text": "Start from the decision you want to improve, not the technology."}


def case_study_problems(title: str, body: str) -> list[str]:
    """A case study says it is made up ("(illustrative)" ending its title) or
    names where the real one is reported ("Source: [Title](https://...)" on
    a line of its own)."""
    problems, sourced = [], False
    for line in (body or "").splitlines():
        if source := CASE_STUDY_SOURCE.match(line.strip()):
            if CASE_STUDY_SOURCE_LINK.match(source["rest"].strip()):
                sourced = True
            else:
                problems.append(
                    "write a real case study's source as 'Source: [Title](https://address)'"
                )
    if title and not sourced and not ILLUSTRATIVE.search(title):
        problems.append(
            "label the case study: end an invented one's title with '(illustrative)', or for a "
            "real one add a line 'Source: [Title](https://address)' where it is reported"
        )
    return problems


class CaseStudyBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=150)
    body = MarkdownBlock()

    def clean(self, value):
        value = super().clean(value)
        if problems := case_study_problems(value["title"], value["body"]):
            raise StructBlockValidationError(non_block_errors=problems)
        return value

    class Meta:
        icon = "openquote"
        label = "Case study"
        template = "blocks/case_study.html"


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300)
    is_correct = blocks.BooleanBlock(required=False, label="Correct answer")

    class Meta:
        icon = "tick"
        label = "Option"


@dataclass(frozen=True)
class Feedback:
    """The outcome of one answer to a knowledge check; options are numbered from 1."""

    correct: bool
    selected: frozenset[int]
    correct_options: frozenset[int]
    explanation: str
    error: str = ""
    # The options' texts, in the order shown, so feedback can name them
    # ("Not quite — you chose …. The right answer is …").
    chosen_answers: tuple[str, ...] = ()
    right_answers: tuple[str, ...] = ()


class KnowledgeCheckValue(blocks.StructValue):
    def correct_options(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self["options"], 1) if option["is_correct"])

    def allows_several(self) -> bool:
        return len(self.correct_options()) > 1

    def grade(self, raw_answers: list[str]) -> Feedback:
        """Correct only if the selected set equals the set of correct options.
        No answer, or an out-of-range one, is an error, not a wrong answer."""
        answer_key = self.correct_options()
        count = len(self["options"])
        try:
            selected = frozenset(int(answer) for answer in raw_answers)
        except ValueError:
            selected = frozenset()
        if not selected or not all(1 <= n <= count for n in selected):
            return Feedback(
                False, frozenset(), answer_key, "", error="Choose an answer, then check it."
            )
        return Feedback(
            selected == answer_key,
            selected,
            answer_key,
            self["explanation"],
            chosen_answers=self.option_texts(selected),
            right_answers=self.option_texts(answer_key),
        )

    def option_texts(self, numbers) -> tuple[str, ...]:
        return tuple(option["text"] for i, option in enumerate(self["options"], 1) if i in numbers)


class KnowledgeCheckBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=300)
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=6)
    # Both the explanation and a correct option are publish checks
    # (courses.publish_checks), so a half-written check can be saved as a draft.
    explanation = blocks.TextBlock(
        help_text="Shown after any answer: why the right answer is right.",
        rows=3,
        required=False,
    )

    def clean(self, value):
        value = super().clean(value)
        try:
            check_markdown(value["explanation"])  # shown as Markdown in the estimate
        except ValidationError as error:
            raise StructBlockValidationError(block_errors={"explanation": error}) from None
        return value

    class Meta:
        icon = "help"
        label = "Knowledge check"
        template = "blocks/knowledge_check.html"
        value_class = KnowledgeCheckValue


class ActionBlock(blocks.StructBlock):
    text = MarkdownBlock(rows=4, help_text="One concrete thing to do in your organisation.")

    class Meta:
        icon = "success"
        label = "Action for your organisation"
        template = "blocks/action.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        required=False,
        help_text=(
            "Describe what the image shows for people who cannot see it. Needed before publishing."
        ),
    )
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        label = "Image"
        template = "blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A link to a hosted video with its transcript on the page. No third-party
    player is embedded: the page stays fast, private and inside the CSP."""

    title = blocks.CharBlock(max_length=150)
    url = blocks.URLBlock(label="Video URL")
    duration_seconds = blocks.IntegerBlock(
        min_value=1, max_value=600, help_text="Length of the video, counted in the lesson time."
    )
    transcript = MarkdownBlock(
        required=False, help_text="Everything said and shown. Needed before publishing."
    )

    class Meta:
        icon = "media"
        label = "Video"
        template = "blocks/video.html"


class SourceBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=250)
    url = blocks.URLBlock()
    publisher = blocks.CharBlock(max_length=150, required=False)

    class Meta:
        icon = "link"


class SourcesBlock(blocks.StructBlock):
    sources = blocks.ListBlock(SourceBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        label = "Sources"
        template = "blocks/sources.html"


class LessonStreamBlock(blocks.StreamBlock):
    markdown = MarkdownBlock(template="blocks/markdown.html")
    key_takeaway = KeyTakeawayBlock()
    case_study = CaseStudyBlock()
    knowledge_check = KnowledgeCheckBlock()
    action = ActionBlock()
    image = ImageBlock()
    video = VideoBlock()
    sources = SourcesBlock()
