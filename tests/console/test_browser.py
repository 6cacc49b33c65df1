"""End to end in headless Chromium: the real console (``streamlit run``) on a seeded data folder. A
reviewer confirms an alert; the spokesperson drafts, checks and signs a release; the leader approves it;
the spokesperson publishes it. Screenshots go to test-output/<test name>/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from infra.cli.console import console_command
from tests.console.seed import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 30_000
PAGES = [("总览", "总览"), ("信息流", "信息流"), ("事件", "事件"), ("预警审核", "预警审核"), ("升级处置", "升级处置"),
         ("台账", "台账"), ("报告", "报告"), ("审计", "审计"), ("设置", "设置")]


def _chromium() -> str:
    """Debian's Chromium, installed by infra/browser.sh when missing; skip (saying why) if it cannot be."""
    done = subprocess.run(["bash", str(ROOT / "infra" / "browser.sh")], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        pytest.skip(f"headless Chromium cannot be installed here: {done.stderr.strip()[-300:]}")
    return done.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_console(url: str, server: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    """Until the console answers its health check; fails with its log when it exits or never answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("the console did not start: " + log.read_text(errors="replace")[-3000:])
        time.sleep(0.5)


@pytest.fixture
def console_url(seeded):
    """``streamlit run console/app.py`` on a free port against the seeded data folder."""
    port = _free_port()
    env = dict(os.environ, YUQING_DATA_DIR=str(seeded.data_dir), PYTHONPATH=str(ROOT))
    command = console_command(port)
    log = open(seeded.data_dir / "streamlit.log", "w")
    server = subprocess.Popen(command, cwd=seeded.data_dir.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_console(url, server, seeded.data_dir / "streamlit.log")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def shots(request) -> Path:
    folder = ROOT / "test-output" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Person:
    """One person at one browser tab: logs in, moves through the sidebar, clicks, waits for sentences."""

    def __init__(self, browser, url: str, shots: Path, name: str):
        self.page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.url, self.shots, self.name = url, shots, name

    def login(self, username: str, path: str = "/", heading: str = "总览") -> "Person":
        """Open ``path`` (a bookmark), log in on the form it shows, and land on that page."""
        self.page.goto(self.url + path)
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.get_by_role("heading", name=heading).first.wait_for()
        self.settle()
        return self

    def go(self, title: str, heading: str | None = None) -> None:
        self.page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        self.page.get_by_role("heading", name=heading or title).first.wait_for()
        self.settle()

    def settle(self) -> None:
        """Wait until Streamlit has finished the current run."""
        self.page.wait_for_timeout(300)
        self.page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=WAIT_MS)

    def see(self, text: str) -> None:
        self.page.get_by_text(text).first.wait_for(state="visible")

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).first.click()
        self.settle()

    def choose(self, label: str, option: str) -> None:
        self.page.get_by_label(label, exact=True).first.click()
        self.page.get_by_role("option", name=option).first.click()
        self.settle()

    def type(self, label: str, text: str) -> None:
        """Type into a field and leave it, as a person does before pressing a button: Streamlit commits a
        field's value when it loses focus, so a click that lands first may submit the form without it."""
        field = self.page.get_by_label(label)
        field.fill(text)
        field.blur()
        self.page.wait_for_timeout(200)

    def tab(self, name: str) -> None:
        """Open a tab once the previous run's copy of the page has gone (Streamlit fades stale elements)."""
        tabs = self.page.get_by_role("tab", name=name)
        deadline = time.monotonic() + WAIT_MS / 1000
        while tabs.count() != 1 and time.monotonic() < deadline:
            self.page.wait_for_timeout(200)
        tabs.click()
        self.settle()

    def shot(self, step: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{step}-{self.name}.png"), full_page=True)


def _reviewer_confirms(reviewer: Person) -> None:
    reviewer.see("信息总量")
    reviewer.page.get_by_test_id("stVegaLiteChart").first.wait_for()
    reviewer.page.wait_for_timeout(1500)                  # let the charts draw before the picture
    reviewer.shot("01-dashboard")
    reviewer.go("信息流")
    reviewer.see("<script>alert('xss')</script>")        # web text shows as text, runs nothing, links nowhere
    assert reviewer.page.get_by_role("link", name="http://evil.example/").count() == 0
    reviewer.shot("02-feed")
    reviewer.go("预警审核")
    reviewer.choose("预警", "渠县中学食堂饭菜疑似变质")
    reviewer.click("确认预警")
    reviewer.see("预警已确认")
    reviewer.shot("03-alert-confirmed")


def _spokesperson_drafts_and_signs(spokesperson: Person) -> None:
    spokesperson.go("回应发布")
    spokesperson.type("事发时间", "11月29日上午")
    spokesperson.type("经核实的基本情况", "经核实，该校食堂部分饭菜存放不当，已全部封存送检。")
    spokesperson.type("已采取的处置措施", "封存食堂留样并送检\n组织学生体检")
    spokesperson.click("生成草稿")
    spokesperson.see("草稿已生成")
    spokesperson.tab("预览与检查")
    spokesperson.click("未成年人信息检查")
    spokesperson.see("检查完成")
    spokesperson.tab("签发与发布")
    spokesperson.click("发言人签发")
    spokesperson.see("已签发")
    spokesperson.shot("04-release-signed")


def _leader_approves(leader: Person) -> None:
    leader.page.get_by_text("首次回应/情况通报 ·").first.click()
    leader.settle()
    leader.tab("签发与发布")
    leader.click("领导审批")
    leader.see("已审批")
    leader.shot("05-release-approved")


def _spokesperson_publishes(spokesperson: Person) -> None:
    spokesperson.click("刷新")
    spokesperson.tab("签发与发布")
    spokesperson.click("发布")
    spokesperson.see("已发布")
    spokesperson.shot("06-release-published")


def _every_page_draws(leader: Person) -> None:
    for number, (title, heading) in enumerate(PAGES, start=7):
        leader.go(title, heading)
        assert leader.page.get_by_test_id("stException").count() == 0, f"{title} shows an exception"
        if heading == "报告":
            leader.click("生成报告")
            leader.see("下载 Word（DOCX）")
        leader.shot(f"{number:02d}-page-{heading}")


def _failure_shots(browser, shots: Path) -> None:
    """What each person saw when the test failed."""
    for index, context in enumerate(browser.contexts):
        for number, tab in enumerate(context.pages):
            tab.screenshot(path=str(shots / f"failure-{index}-{number}.png"), full_page=True)


def test_review_draft_sign_approve_publish_in_chromium(console_url, shots, seeded):
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            reviewer = Person(browser, console_url, shots, "reviewer").login("reviewer")
            _reviewer_confirms(reviewer)
            spokesperson = Person(browser, console_url, shots, "spokesperson").login("spokesperson")
            _spokesperson_drafts_and_signs(spokesperson)
            # the leader follows a link to the releases page and logs in on the way
            leader = Person(browser, console_url, shots, "leader").login("leader", "/releases", "回应发布")
            _leader_approves(leader)
            _spokesperson_publishes(spokesperson)
            _every_page_draws(leader)
            for person in (reviewer, spokesperson, leader):
                assert person.dialogs == [], f"a script ran in {person.name}'s browser: {person.dialogs}"
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()
    published = list((seeded.data_dir / "published").rglob("*.html"))
    assert published, "the website channel wrote no page"
    assert any("封存食堂留样并送检" in p.read_text(encoding="utf-8") for p in published)
