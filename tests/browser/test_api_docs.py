"""Swagger UI runs under the Content-Security-Policy: its start-up script is a
file of its own (drf-spectacular's split view), not an inline script."""

import pytest
from django.core.management import call_command

from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_swagger_ui_lists_the_api(live_server, demo, page):
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").get_by_text("SalesMeet API").wait_for()
    # The start-up script ran: the operations of the schema are listed.
    page.locator(".opblock-summary-path").first.wait_for()
    assert page.locator(".opblock-summary-path").count() > 1
