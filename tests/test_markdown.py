import pytest

from content.markdown import plain_words, render_markdown


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
