"""The browser harness: a team lead logs in and lands on their guide."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def log_in(page, base_url, username, password="demo"):
    page.goto(f"{base_url}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_lead_logs_in_and_sees_the_landing_page(live_server, demo, page):
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("guide-headline").inner_text() == "你的一周:主持团队会议"
    assert page.get_by_test_id("user-menu").inner_text().strip() == "张伟"


def test_switching_to_english(live_server, demo, page):
    log_in(page, live_server.url, "lead")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_label("语言").select_option("en")
    page.wait_for_load_state()
    page.get_by_text("Your week: run the team's meetings").wait_for()


def test_wrong_password_is_refused_with_a_message(live_server, demo, page):
    log_in(page, live_server.url, "lead", password="not-it")
    assert page.locator(".alert-danger, .invalid-feedback, .alert").first.is_visible()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")


def test_phone_layout_collapses_the_menu(live_server, demo, phone):
    log_in(phone, live_server.url, "rep")
    phone.wait_for_url(f"{live_server.url}/")
    assert not phone.get_by_role("link", name="组织").is_visible()
    phone.get_by_role("button", name="菜单").click()
    phone.get_by_role("link", name="组织").click()
    phone.wait_for_url(f"{live_server.url}/org/")
    assert phone.get_by_test_id("unit-tree").is_visible()
