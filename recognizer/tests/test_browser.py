"""A real browser (Debian's Chromium driven by Playwright) uses the recognize page."""

import os
import shutil
from pathlib import Path

import pytest

from recognizer.tests.conftest import number_image, stored_version

CHROMIUM = os.environ.get("DIGITSITE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and not os.environ.get("DIGITSITE_REQUIRE_BROWSER"),
        reason=f"no Chromium at {CHROMIUM} (`.ci/run` installs Debian's chromium package)",
    ),
]


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        yield page
        browser.close()


@pytest.fixture
def live_version(transactional_db, settings, bundled_model):
    return stored_version(settings, bundled_model)


def test_a_user_uploads_a_photo_sees_boxes_and_copies_the_text(
    live_server, live_version, browser_page, tmp_path, bundled_model
):
    image = tmp_path / "number.png"
    image.write_bytes(number_image(bundled_model[3], "7041\n12"))
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.set_input_files('input[type="file"]', str(image))
    page.click('button[type="submit"]')
    page.wait_for_selector(".overlay .box")
    assert page.locator(".overlay .box").count() == 6
    assert page.locator("code.line-text").all_inner_texts() == ["7041", "12"]
    # Boxes sit on the image: every box lies inside the rendered picture.
    img = page.locator(".overlay img").bounding_box()
    for box in page.locator(".overlay .box").all():
        b = box.bounding_box()
        assert img["x"] - 1 <= b["x"] and b["x"] + b["width"] <= img["x"] + img["width"] + 1
    page.locator("button.copy").first.click()
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == "7041"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "recognition-result.png"), full_page=True)
    phone = page.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(page.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "recognition-result-phone.png"), full_page=True)


def test_an_invalid_file_shows_the_error_next_to_the_form(live_server, live_version, browser_page, tmp_path):
    bad = tmp_path / "not-really.png"
    bad.write_text("<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.set_input_files('input[type="file"]', str(bad))
    page.click('button[type="submit"]')
    error = page.locator("#recognize-form .error")
    error.wait_for()
    assert "not an image format we accept" in error.inner_text()
