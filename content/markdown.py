"""Markdown to safe HTML: convert, then sanitise with an allow-list (nh3), so
no script, event handler or javascript:/data: link from an author reaches a page."""

import hashlib
import json
import threading
from functools import lru_cache
from html import escape

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["extra", "sane_lists"]
# Python-Markdown takes time that grows with the square of the number of
# unclosed brackets and tags in a paragraph: 8,000 '[' take 11 seconds.
MARKUP_LIMITS = {"[": 200, "<": 200}
NESTED_TOO_DEEPLY = (
    "the Markdown here is nested too deeply to be shown (lists, quotes or definitions "
    "inside one another hundreds of times): simplify it"
)


# What the HTML of a text depends on besides the text: a page's stored HTML
# (`stored_html`) made under another version is rendered again, not shown.
RENDERING = hashlib.sha256(
    json.dumps(
        [
            sorted(ALLOWED_TAGS),
            {tag: sorted(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
            sorted(ALLOWED_URL_SCHEMES),
            EXTENSIONS,
            markdown.__version__,
            getattr(nh3, "__version__", ""),
        ]
    ).encode()
).hexdigest()[:16]

_converters = threading.local()


def _convert(text: str) -> str:
    """One Python-Markdown converter per thread, reset between texts: building
    one loads its extensions and takes longer than converting a lesson."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(
            extensions=EXTENSIONS, output_format="html"
        )
    try:
        return converter.reset().convert(text or "")
    except RecursionError:
        # A converter left mid-parse is not trusted for the next text.
        _converters.markdown = None
        raise


@lru_cache(maxsize=1024)
def nests_too_deeply(text: str) -> bool:
    """Python-Markdown recurses once per level of nesting: hundreds of nested
    lists, quotes or definitions exhaust the stack. Found by converting the
    whole text, so the answer is kept per text: the editor's validation, the
    importer and the publish checks ask again about the same blocks."""
    try:
        _convert(text)
    except RecursionError:
        return True
    return False


def markdown_problem(text: str) -> str | None:
    """Why this Markdown cannot be shown quickly, or at all; or None. The
    Markdown blocks (content.blocks) and the importer refuse such text."""
    for character, most in MARKUP_LIMITS.items():
        if (count := (text or "").count(character)) > most:
            return (
                f"the text holds {count} '{character}' characters; at most {most} are allowed "
                "in one stretch of text (so that it can be shown quickly)"
            )
    return NESTED_TOO_DEEPLY if nests_too_deeply(text) else None


def render_markdown(text: str) -> str:
    try:
        html = _convert(text)
    except RecursionError:
        # Too deeply nested to render: shown as plain text rather than failing
        # the page (the importer refuses such text, see nests_too_deeply).
        html = f"<p>{escape(text)}</p>"
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def text_key(text: str) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:32]


def stored_html(texts, **extra) -> dict:
    """What a page stores when it is saved (and so in each revision): each of
    its Markdown texts rendered and sanitised, under the text's key, with the
    version of the rendering; `extra` items are stored alongside."""
    return {
        "version": RENDERING,
        "html": {text_key(text): render_markdown(text) for text in texts if text},
        **extra,
    }


def html_of(stored: dict | None, text: str) -> str:
    """The sanitised HTML of this text: as the page stored it, or, for a text
    the page did not store (a preview of an unsaved edit, a block shown on
    its own) or stored under another rendering, rendered now."""
    if text and isinstance(stored, dict) and stored.get("version") == RENDERING:
        html = stored.get("html", {}).get(text_key(text))
        if html is not None:
            return html
    return render_markdown(text)


@lru_cache(maxsize=4096)
def plain_words(text: str) -> int:
    """Words a reader reads in a Markdown text (markup and URLs do not count).
    Cached: a lesson's reading time is estimated on every save and check, and
    its texts rarely change between them."""
    html = render_markdown(text)
    return len(nh3.clean(html, tags=set()).split())
