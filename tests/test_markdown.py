import pytest

from content.markdown import nests_too_deeply, plain_words, render_markdown


def test_renders_headings_lists_and_links():
    html = render_markdown("## Why\n\n- **one**\n- two\n\n[ICO](https://ico.org.uk/)")
    assert "<h2>Why</h2>" in html
    assert "<li><strong>one</strong></li>" in html
    assert 'href="https://ico.org.uk/"' in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        '<p onclick="alert(1)">x</p>',
        "<iframe src='https://example.org'></iframe>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_dangerous_markup_never_reaches_the_page(source):
    html = render_markdown(source).lower()
    for needle in ("<script", "onerror", "onclick", "onload", "javascript:", "data:", "<iframe"):
        assert needle not in html


def test_word_count_ignores_markup_and_urls():
    assert plain_words("**Bold** words and a [link](https://example.org/a/long/path)") == 5


def test_only_allowed_attributes_survive():
    html = render_markdown(
        '<a href="https://ico.org.uk/" class="big" style="color:red" title="ICO">ICO</a> '
        '<abbr title="Data protection impact assessment" class="x">DPIA</abbr>'
    )
    assert 'title="ICO"' in html and 'title="Data protection impact assessment"' in html
    assert "class=" not in html and "style=" not in html


@pytest.mark.parametrize(
    "link", ["[x](ftp://example.org/f)", "[x](tel:+441234)", "[x](file:///etc/passwd)"]
)
def test_links_keep_only_web_and_mail_addresses(link):
    assert "href" not in render_markdown(link)
    assert 'href="mailto:help@example.org"' in render_markdown("[x](mailto:help@example.org)")


def test_comments_are_removed():
    assert "secret" not in render_markdown("Text <!-- a secret note for authors --> here")


def test_markdown_extra_tables_and_sane_lists_are_on():
    table = render_markdown("| Risk | Owner |\n| --- | --- |\n| Bias | COO |")
    assert "<table>" in table and "<td>Bias</td>" in table
    lists = render_markdown("1. one\n2. two\n\n- three")
    assert lists.count("<ol>") == 1 and lists.count("<ul>") == 1  # sane_lists keeps them apart
    assert "<abbr" in render_markdown(
        "The DPIA matters.\n\n*[DPIA]: Data protection impact assessment"
    )


def test_attributes_nh3_would_allow_by_default_are_removed_too():
    html = render_markdown(
        '<a href="https://ico.org.uk/" hreflang="en" lang="en">ICO</a>'
        '<blockquote cite="https://ico.org.uk/">Quote</blockquote>'
    )
    assert "hreflang" not in html and "cite=" not in html  # (lang is harmless and kept)
    assert 'href="https://ico.org.uk/"' in html


def test_a_markdown_block_rendered_on_its_own_is_sanitised_too():
    from content.blocks import LessonStreamBlock, MarkdownBlock

    for block in (MarkdownBlock(), LessonStreamBlock().child_blocks["markdown"]):
        html = str(block.render("## Hi\n\n<script>alert(1)</script>[x](javascript:alert(2))"))
        assert "<h2>Hi</h2>" in html
        assert "<script" not in html and "javascript:" not in html


DEEP = "deep <b>&\n: b\n" * 1500  # 1,500 nested definition lists


def test_text_nested_hundreds_deep_is_too_deep_and_ordinary_text_is_not():
    assert nests_too_deeply(DEEP)
    assert not nests_too_deeply("A list:\n\n- one\n- two\n")
    assert not nests_too_deeply("")


def test_text_too_deep_to_render_is_shown_escaped_as_one_paragraph():
    html = render_markdown(DEEP)
    assert html.startswith("<p>deep &lt;b&gt;&amp;\n: b\ndeep")
    assert html.endswith("</p>") and "<b>" not in html and "<dl>" not in html


@pytest.mark.parametrize("empty", ["", None])
def test_no_text_renders_as_nothing(empty):
    assert render_markdown(empty) == ""
