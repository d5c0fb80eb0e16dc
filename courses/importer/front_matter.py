"""The front matter of course.md and of a lesson file, each validated by one
Django form: which keys there are, their types (as YAML gives them: a number
or yes/no where text belongs is refused with a hint, not converted), lengths
(the models' own max_length), dates and slugs.

A field's messages are predicates ("is missing from the front matter") that
`problems()` puts the key in front of, unless their code is SENTENCE; the
parser reports them at the key's line."""

import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from content.markdown import markdown_problem
from courses.models import CoursePage, LessonPage

from .safe_yaml import shown

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_TEXT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
LONGER = "is longer than %(limit_value)d characters (it has %(show_value)d)"
MISSING = "is missing from the front matter"
SENTENCE = "sentence"  # the code of a message that names its field itself


def limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (date, datetime)):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of 'key: value' lines"
    if value is None:
        return "empty"
    return "text"


def quote_hint(value) -> str:
    if isinstance(value, bool):
        return (
            ": put quotes around it (YAML reads yes, no, on, off, true and false "
            "without quotes as true/false)"
        )
    if isinstance(value, (int, float, date, datetime)):
        return ": put quotes around it"
    return ""


def not_text(value) -> str:
    return f"must be text, not {kind_of(value)}{quote_hint(value)}"


class YamlField(forms.Field):
    """A field whose value comes from YAML, not from an HTML form."""

    widget = forms.HiddenInput  # reads data.get(name) as it is

    def __init__(self, *, missing: str = MISSING, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["required"] = missing


class TextField(YamlField, forms.CharField):
    """Text, stripped; "" when absent."""

    def __init__(self, *, max_length=None, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators = [
            MaxLengthValidator(v.limit_value, message=LONGER)
            if isinstance(v, MaxLengthValidator)
            else v
            for v in self.validators
        ]

    def to_python(self, value):
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(not_text(value), code="type")
        return value.strip()


class SlugField(TextField):
    """A page's slug; `default` (from the folder or file name) when absent."""

    def __init__(self, *, default: str = "", **kwargs):
        super().__init__(required=False, **kwargs)
        self.default = default

    def to_python(self, value):
        return super().to_python(value) or self.default

    def validate(self, value):
        if not SLUG.match(value):
            raise ValidationError(
                f"is '{shown(value)}': a slug may hold only lower-case letters, digits and "
                "single hyphens",
                code="slug",
            )


class SlugListField(YamlField):
    """A list of taxonomy slugs; one slug alone may be written without brackets."""

    def __init__(self, **kwargs):
        super().__init__(missing="must list at least one slug", **kwargs)

    def to_python(self, value):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            if "," in value:
                raise ValidationError(
                    "must be a list in square brackets, e.g. [{key}-one, {key}-two]", code="type"
                )
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("must be a list of slugs, e.g. [{key}-one, {key}-two]")
        return [v.strip() for v in value]


class DateField(YamlField):
    """A date written YYYY-MM-DD (quoted or not). With `past`, a date after
    today is refused."""

    def __init__(self, *, past: bool = False, **kwargs):
        super().__init__(missing=f"{MISSING}: add '{{key}}: YYYY-MM-DD'", **kwargs)
        self.past = past

    def to_python(self, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            value = value.date()
        elif isinstance(value, str) and DATE_TEXT.match(text := value.strip()):
            try:
                value = date(*(int(part) for part in text.split("-")))
            except ValueError:
                raise ValidationError(
                    f"is {text}, which is not a real date: check the month and the day "
                    "(YYYY-MM-DD)",
                    code="date",
                ) from None
        if not isinstance(value, date):
            raise ValidationError("must be a date written as YYYY-MM-DD", code="type")
        return value

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.past and value > date.today():
            raise ValidationError(
                "is in the future: give the day the facts were last checked", code="future"
            )
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValidationError(
                f"is {value.isoformat()}: give a date between {EARLIEST_YEAR} and {LATEST_YEAR}",
                code="range",
            )


class TextListField(YamlField):
    """A list of short texts, each at most `max_length` characters."""

    def __init__(self, *, max_length: int, item: str, **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.item = max_length, item

    def to_python(self, value):
        if value is None or value == []:
            return []
        if not isinstance(value, list):
            raise ValidationError(f"must be a list, not {kind_of(value)}", code="type")
        texts, errors = [], []
        for number, text in enumerate(value, start=1):
            if not isinstance(text, str):
                errors.append(f"{self.item} {number} {not_text(text)}")
            elif not text.strip():
                errors.append(f"{self.item} {number} is empty")
            elif len(text.strip()) > self.max_length:
                errors.append(f"{self.item} {number} is longer than {self.max_length} characters")
            texts.append(text.strip() if isinstance(text, str) else "")
        if errors:
            raise ValidationError([ValidationError(e, code=SENTENCE) for e in errors])
        return texts


class CoverForm(forms.Form):
    """`cover: {file: cover.svg, alt: ..., licence: ..., source: ...}`."""

    file = TextField(missing="has no 'file': name the image in the course folder")
    alt = TextField(
        max_length=limit(CoursePage, "cover_alt"),
        missing="has no 'alt' text; describe what it shows",
    )
    licence = TextField(max_length=limit(CoursePage, "cover_licence"), required=False)
    source = TextField(max_length=limit(CoursePage, "cover_source"), required=False)


class CoverField(YamlField):
    def to_python(self, value):
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValidationError(
                "must give 'file' and 'alt', e.g. cover: {file: cover.svg, alt: ...}", code="type"
            )
        form = CoverForm(data=value)
        errors = []
        if unknown := unknown_keys(value, form.fields):
            allowed = ", ".join(sorted(form.fields))
            errors.append(f"'cover' has unknown keys {', '.join(unknown)}; use: {allowed}")
        if not form.is_valid():
            errors += [
                f"the cover {message}"
                if error.code == "required"
                else f"the cover's '{name}' {message}"
                for name, found in form.errors.as_data().items()
                for error in found
                for message in error.messages
            ]
        if errors:
            raise ValidationError([ValidationError(e, code=SENTENCE) for e in errors])
        return form.cleaned_data


def unknown_keys(data: dict, known) -> list[str]:
    return sorted(shown(key, 30) for key in data if key not in known)


class FrontMatterForm(forms.Form):
    """A file's front matter. `problems()` gives (key or None, message)."""

    def __init__(self, meta: dict, **kwargs):
        super().__init__(data=meta, **kwargs)

    def problems(self) -> list[tuple[str | None, str]]:
        found = []
        for key in self.data:
            if not isinstance(key, str):
                found.append((None, f"the front matter has a key that is not a word: {shown(key)}"))
            elif key not in self.fields:
                allowed = ", ".join(sorted(self.fields))
                found.append(
                    (key, f"unknown key '{shown(key)}' in the front matter; use: {allowed}")
                )
        if not self.is_valid():
            for key, errors in self.errors.as_data().items():
                for error in errors:
                    for message in error.messages:
                        if error.code != SENTENCE:
                            message = f"'{key}' {message.replace('{key}', key)}"
                        found.append((key, message))
        return found


class CourseFrontMatter(FrontMatterForm):
    """course.md: its front matter, with the text below it as `introduction`."""

    title = TextField(max_length=limit(CoursePage, "title"))
    slug = SlugField(max_length=limit(CoursePage, "slug"))
    summary = TextField(max_length=limit(CoursePage, "summary"))
    partner = TextField(missing="must name a partner's slug")
    sectors = SlugListField()
    seniority = SlugListField()
    skills = SlugListField(required=False)
    learning_outcomes = TextListField(
        max_length=CoursePage.learning_outcomes.field.stream_block.child_blocks[
            "outcome"
        ].field.max_length,
        item="learning outcome",
        missing="must list at least one learning outcome",
    )
    review_by = DateField()
    cover = CoverField(required=False)

    def __init__(self, meta: dict, *, folder: str, introduction: str):
        super().__init__(meta)
        self.fields["slug"].default = folder
        self.introduction = introduction.strip()

    def problems(self):
        found = super().problems()
        if problem := markdown_problem(self.introduction):
            found.append(("", problem))  # "": the first line of the introduction
        return found


class LessonFrontMatter(FrontMatterForm):
    title = TextField(max_length=limit(LessonPage, "title"))
    slug = SlugField(max_length=limit(LessonPage, "slug"))
    summary = TextField(max_length=limit(LessonPage, "summary"))
    facts_checked = DateField(past=True)
    review_by = DateField(required=False)

    def __init__(self, meta: dict, *, default_slug: str):
        super().__init__(meta)
        self.fields["slug"].default = default_slug
