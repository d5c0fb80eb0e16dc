"""Signing up with an emailed code in a real browser, at 360px wide with the
site's CSP in force; axe-core on the sign-up, code-entry and sign-in pages,
with and without errors."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from home.site_tree import ensure_site_tree
from tests.browser.conftest import assert_accessible, assert_fits_small_screen

pytestmark = pytest.mark.browser
EMAILED_CODE = re.compile(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)$", re.MULTILINE)


def emailed_code(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    return EMAILED_CODE.search(message.body).group(1)


@pytest.fixture
def site(transactional_db):
    cache.clear()
    ensure_site_tree()
    yield
    cache.clear()


def test_sign_up_with_an_emailed_code_then_sign_out_and_back_in(page, live_server, site):
    email = "board.chair@example.org"
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile("/accounts/login/$"))
    page.get_by_role("link", name="sign up").click()

    page.wait_for_url(re.compile("/accounts/signup/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    assert page.locator("input[type=password]").count() == 0
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign Up").click()

    page.wait_for_url(re.compile("/accounts/confirm-email/$"))
    assert email in page.inner_text("main")
    assert_accessible(page)
    # A mistyped code: the error is summarised, focused and tied to the field.
    page.get_by_label("Code").fill("BCDF-GHJK")
    page.get_by_role("button", name="Confirm").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "Incorrect code." in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.get_by_label("Code").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.get_by_label("Code").fill(emailed_code(email))
    page.get_by_role("button", name="Confirm").click()
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.wait_for()
    assert "/accounts/" not in page.url

    sign_out.click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile("/accounts/login/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)

    # Back in with the email alone: the password is optional and a code is sent.
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile("/accounts/login/code/confirm/$"))
    assert_accessible(page)
    page.get_by_label("Code").fill(emailed_code(email))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Sign out").wait_for()
    assert page.console_errors == []
