"""An office's working day in headless Chromium (issue 13), one test per point: clocks that tell the truth
(a release published late reads 超时 on every page; the alert page and the ledger show one deadline), the
reviewer's verified facts pre-filling the draft, and the console's own chrome in Chinese. Screenshots go to
test-output/<test name>/."""

from __future__ import annotations

import http.server
import io
import json
import re
import threading
import zipfile
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from docx import Document

from console.components.text import full_time
from core.event import Event, TimelinePoint
from core.notifications import Delivery
from core.settings import load_settings
from core.vocabulary import all_codes
from core.workflow import SYSTEM
from infra.drill import DEMO_SPEED
from infra.runtime import open_runtime
from tests.console.seed import SCRIPT_TEXT, _post
from tests.console.test_browser import (BROWSER_ARGS, PAGES, Person, _chromium,  # noqa: F401 (fixtures)
                                        _failure_shots, console_url, shots)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LATE_TITLE = "渠县实验小学校车延误事件"
LATE_FACTS = {"occurred_at": "11月29日清晨", "incident_summary": "校车因道路结冰延误，学生均已安全到校。",
              "measures": ["逐一联系家长说明情况"]}


@pytest.fixture
def late_release(seeded):
    """A grade II alert detected 13 hours ago whose first response was published just now: its 5-hour clock
    was met 8 hours late. Made through the services on the seeded data folder before the console starts."""
    now = datetime.now(timezone.utc)
    posts = [_post(40 + i, now, f"渠县实验小学校车延误，家长担心 {i}", school="quxian-shiyan", event_id="ev-late",
                   hours_ago=13 - i * 0.2) for i in range(3)]
    first = min(p.published_at for p in posts)
    event = Event(id="ev-late", title=LATE_TITLE, schools=("quxian-shiyan",), incident_types=("traffic",),
                  first_seen=first, last_seen=max(p.published_at for p in posts), post_ids=tuple(p.id for p in posts),
                  representative_post_id=posts[0].id, post_count=len(posts), spread_by_platform={"weibo": 3},
                  engagement=30, heat=60.0, grade="II", grade_reasons=("负面信息集中",), rumour_share=0.1,
                  negative_share=0.9, timeline=tuple(TimelinePoint(at=p.published_at, posts=1) for p in posts),
                  updated_at=now, detected_at=first)
    with open_runtime(load_settings(), bcrypt_rounds=4) as runtime:
        runtime.posts.upsert_many(posts)
        runtime.events.save_events([event])
        wf = runtime.workflow
        person = wf.users.by_username
        alert = wf.alerts.raise_from_events([event])[0]
        wf.alerts.start_review(person("reviewer"), alert.id)
        wf.alerts.confirm(person("reviewer"), alert.id)
        wf.alerts.set_facts(person("reviewer"), alert.id, LATE_FACTS)
        release = wf.releases.draft(person("spokesperson"), alert.id, "first_response")
        wf.releases.check_minors(person("spokesperson"), release.id)
        wf.releases.sign(person("spokesperson"), release.id)
        wf.releases.approve(person("leader"), release.id)
        wf.releases.publish(person("spokesperson"), release.id)
        deadline = wf.clocks.deadline(wf.alerts.get(SYSTEM, alert.id))
    return alert.id, deadline


def _browser(playwright):
    return playwright.chromium.launch(executable_path=_chromium(), args=BROWSER_ARGS)


def test_a_late_release_reads_late_on_every_page(late_release, console_url, shots):
    from playwright.sync_api import sync_playwright

    alert_id, deadline = late_release
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            leader = Person(browser, console_url, shots, "leader").login("leader")
            leader.see("超时完成")                                    # 总览: the event's clock badges
            leader.shot("01-overview")
            leader.go("回应发布")
            leader.choose("预警", LATE_TITLE)
            leader.see("5小时信息发布 · 超时完成")
            assert leader.page.get_by_text("已按时完成").count() == 0 or leader.page.get_by_text(
                "48小时回应 · 已按时完成").count() == 1                 # the 48 h answer did come in time
            leader.shot("02-releases")
            leader.go("台账")
            leader.see("其中超期 2 项")                                # the late release and its alert
            leader.shot("03-ledger")
            leader.go("预警审核")
            leader.choose("预警", LATE_TITLE)
            leader.see(f"时限：{full_time(deadline.at)}（{deadline.what}）")   # the ledger's deadline
            leader.shot("04-alert")
            leader.go("报告")
            leader.page.get_by_text("舆情专报（单个事件）").click()
            leader.settle()
            leader.choose("事件", LATE_TITLE)
            leader.click("生成报告")
            leader.see("超时完成")
            leader.shot("05-special-report")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()


def test_verified_facts_prefill_the_first_draft(console_url, shots):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            reviewer = Person(browser, console_url, shots, "reviewer").login("reviewer")
            reviewer.go("预警审核")
            reviewer.choose("预警", "渠县中学食堂饭菜疑似变质")
            reviewer.click("确认预警")
            reviewer.see("预警已确认")
            reviewer.tab("核实情况")
            reviewer.type("事发时间", "11月29日上午")
            reviewer.type("经核实的基本情况", "经核实，该校食堂部分饭菜存放不当，已全部封存送检。")
            reviewer.type("已采取的处置措施", "封存食堂留样并送检\n组织学生体检")
            reviewer.click("保存核实情况")
            reviewer.see("核实情况已保存")
            # the saved facts come back into the form from the state database
            expect(reviewer.page.get_by_label("已采取的处置措施")).to_have_value("封存食堂留样并送检\n组织学生体检")
            reviewer.shot("01-facts-saved")
            spokesperson = Person(browser, console_url, shots, "spokesperson").login("spokesperson")
            spokesperson.go("回应发布")
            form = spokesperson.page
            expect(form.get_by_label("事发时间")).to_have_value("11月29日上午")
            expect(form.get_by_label("已采取的处置措施")).to_have_value("封存食堂留样并送检\n组织学生体检")
            spokesperson.shot("02-draft-form-prefilled")
            spokesperson.click("生成草稿")                           # first click, nothing typed: no 缺少字段
            spokesperson.see("草稿已生成")
            assert form.get_by_text("缺少字段").count() == 0
            spokesperson.shot("03-draft-made")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()


# Streamlit's own English, which the console replaces or hides (console/components/chrome.py).
STREAMLIT_ENGLISH = ("Deploy", "Choose options", "Choose an option", "per file", "Drag and drop", "Browse files",
                     "No results", "Running...", "Rerun", "Upload")
_URLS = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _raw_words(text: str) -> set[str]:
    """The vocabulary's codes and Python's None that appear in ``text`` as whole words (links left out)."""
    text = _URLS.sub(" ", text.replace(SCRIPT_TEXT, " "))          # web text is the poster's words
    codes = {c for c in all_codes() if len(c) >= 4 and re.search("[a-z_]", c)} | {"None", "null", "nan"}
    return {c for c in codes if re.search(rf"(?<![A-Za-z0-9_.:/-]){re.escape(c)}(?![A-Za-z0-9_])", text)}


def test_every_page_speaks_chinese_without_developer_chrome(console_url, shots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            admin = Person(browser, console_url, shots, "admin").login("admin")
            for number, (title, heading) in enumerate(PAGES, start=1):
                admin.go(title, heading)
                admin.page.wait_for_timeout(500)
                shown = admin.page.locator("body").inner_text()
                assert not [w for w in STREAMLIT_ENGLISH if w in shown], f"{title}: {shown[:2000]}"
                assert not _raw_words(shown), f"{title} shows codes {_raw_words(shown)}"
                for chrome in ("stAppDeployButton", "stMainMenu"):             # Deploy button, ⋮ menu
                    found = admin.page.get_by_test_id(chrome)
                    assert found.count() == 0 or not found.first.is_visible(), f"{chrome} shown on {title}"
                admin.shot(f"{number:02d}-{heading}")
            admin.go("设置")
            admin.see("县域配置文件（.toml，不超过 256 KB）")               # the real limit, in Chinese
            dropzone = admin.page.get_by_test_id("stFileUploaderDropzone").first
            dropzone.scroll_into_view_if_needed()
            words = dropzone.inner_text()                  # the button's 选择文件 comes from CSS (chrome.py)
            assert dropzone.is_visible() and "per file" not in words and "Upload" not in words
            admin.shot("99-upload-limit")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()


@pytest.fixture
def drill_clock(seeded, monkeypatch):
    """The console on a drill clock at the default demo speed, as `yuqing drill` starts it."""
    monkeypatch.setenv("YUQING_CLOCK_ORIGIN", datetime.now(timezone.utc).isoformat())
    monkeypatch.setenv("YUQING_CLOCK_SPEED", str(DEMO_SPEED))
    return DEMO_SPEED


def test_every_page_shows_the_drill_time_and_speed(drill_clock, console_url, shots):
    from playwright.sync_api import sync_playwright

    speed = f"{drill_clock:g} 倍速"
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            leader = Person(browser, console_url, shots, "leader")
            leader.page.goto(console_url)
            leader.see("演练时间：")                                   # before logging in, too
            leader.see(speed)
            leader.shot("00-login")
            leader.login("leader")
            for number, (title, heading) in enumerate(PAGES, start=1):
                leader.go(title, heading)
                sidebar = leader.page.get_by_test_id("stSidebar").inner_text()
                assert "演练时间：" in sidebar and speed in sidebar and "5 小时时限约合现实 30 分钟" in sidebar, sidebar
            leader.shot("10-last-page")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()


@pytest.fixture
def short_logins(seeded, monkeypatch):
    """Logins that last 10 minutes: inside the console's 15-minute warning from the start."""
    monkeypatch.setenv("YUQING_SESSION_TTL_MINUTES", "10")


def test_a_login_survives_reload_new_tab_and_typed_address(short_logins, console_url, shots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            reviewer = Person(browser, console_url, shots, "reviewer").login("reviewer")
            page = reviewer.page
            page.wait_for_timeout(1500)                               # the cookie is set by the next run
            cookie = next(c for c in page.context.cookies() if c["name"] == "yuqing_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert page.evaluate("document.cookie").find("yuqing_session") == -1     # no script can read it
            reviewer.see("登录将于")                                   # the warning before it ends
            reviewer.shot("01-logged-in-with-warning")
            page.reload()
            page.get_by_role("heading", name="总览").first.wait_for()
            reviewer.settle()
            assert page.get_by_label("密码").count() == 0
            reviewer.shot("02-after-reload")
            typed = page.context.new_page()                          # a new tab, an address typed by hand
            typed.goto(console_url + "/alerts")
            typed.get_by_role("heading", name="预警审核").first.wait_for()
            assert typed.get_by_label("密码").count() == 0
            typed.screenshot(path=str(shots / "03-new-tab-typed-address.png"), full_page=True)
            typed.close()
            reviewer.click("退出登录")
            page.get_by_label("密码").wait_for()
            page.wait_for_timeout(1500)
            page.reload()
            page.get_by_label("密码").wait_for()                      # logged out stays logged out
            reviewer.shot("04-logged-out-after-reload")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()


LINKED_URL = "https://weibo.com/6500000001/QxLinked1"


@pytest.fixture
def office_records(seeded):
    """A post from weibo.com (a link may open it), and the notices the worker sent: one delivered to the
    leader on duty, one whose mail server refused it."""
    now = datetime.now(timezone.utc)
    post = replace(_post(50, now, "渠县中学食堂问题，县教育局已回应", event_id="ev-food", hours_ago=0.2),
                   url=LINKED_URL, source="weibo-search")
    with open_runtime(load_settings(), bcrypt_rounds=4) as runtime:
        runtime.posts.upsert_many([post])
        ledger = runtime.state.notifications
        notices = [Delivery(trigger_id="alert_major:A-1", channel="email", address="leader@example.cn",
                            kind="alert_major", title="【重大预警】渠县中学食堂饭菜疑似变质", body="请及时处置。"),
                   Delivery(trigger_id="alert_major:A-1", channel="email", address="reviewer@example.cn",
                            kind="alert_major", title="【重大预警】渠县中学食堂饭菜疑似变质", body="请及时处置。")]
        ledger.plan("alert_major:A-1", "alert_major", notices[0].title, notices, now)
        for notice in notices:
            ledger.mark_sending(notice)
        ledger.mark_sent(notices[0], now)
        ledger.mark_failed(notices[1], "550 邮箱不存在", None)


def test_notifications_spread_links_and_regrading_as_an_office_expects(office_records, console_url, shots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            leader = Person(browser, console_url, shots, "leader").login("leader")
            leader.go("通知记录")
            leader.see("已送达")
            leader.see("有 1 条通知发送失败")
            leader.page.get_by_test_id("stDataFrame").first.wait_for()
            leader.page.wait_for_timeout(1000)
            leader.shot("01-notifications")
            leader.go("信息流")
            link = leader.page.locator(f'a[href="{LINKED_URL}"]')
            link.first.wait_for()
            assert "noopener" in (link.first.get_attribute("rel") or "")
            assert leader.page.locator('a[href*="example.cn/p/"]').count() == 0      # no link off the source
            assert leader.page.locator('a[href^="http://evil"]').count() == 0
            leader.shot("02-feed-links")
            leader.go("事件")
            leader.see("传播路径")
            leader.see("各平台首次出现")
            leader.see("主要扩散账号")
            leader.shot("03-event-spread")
            reviewer = Person(browser, console_url, shots, "reviewer").login("reviewer")
            reviewer.go("预警审核")
            reviewer.choose("预警", "渠县中学食堂饭菜疑似变质")
            reviewer.tab("调整等级")
            reviewer.choose("新等级", "III级（较大）")
            reviewer.page.get_by_label("调整理由").fill("经核实仅个别学生不适")
            reviewer.click("调整等级")
            reviewer.see("分级已由II级（重大）调整为III级（较大），理由：经核实仅个别学生不适")
            assert reviewer.page.get_by_text("事件分级为II级").count() == 0
            reviewer.shot("04-reason-after-regrading")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()


class _PostPages(http.server.BaseHTTPRequestHandler):
    """The source's own web page of a post, as a browser would see it (served by the test)."""

    def do_GET(self):
        body = ("<html><head><meta charset='utf-8'><title>渠县吧</title></head><body style='font-size:28px'>"
                "<h1>网传渠县第二中学发生打架事件</h1><p>楼主：网友11 · 回复 12 · 有人受伤，未经证实</p>"
                "</body></html>").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def captured_source(seeded, monkeypatch):
    """The rumour alert under review, one of its posts on a live local page, capture switched on."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PostPages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/p/11"
    with open_runtime(load_settings(), bcrypt_rounds=4) as runtime:
        post = runtime.posts.get("tieba:seed11")
        runtime.posts.upsert_many([replace(post, url=url)])
        runtime.workflow.alerts.start_review(runtime.workflow.users.by_username("reviewer"),
                                             seeded.alert_ids["ev-rumour"])
    monkeypatch.setenv("YUQING_CAPTURE_BROWSER", "/usr/bin/chromium")
    yield url
    server.shutdown()


def test_escalating_captures_each_posts_page_into_the_pack(captured_source, console_url, shots, seeded):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            monitor = Person(browser, console_url, shots, "monitor").login("monitor")
            monitor.go("升级处置")
            monitor.choose("预警", "网传渠县第二中学打架事件")
            monitor.page.get_by_label("案情摘要").fill("有人编造学生受伤的谣言并组织转发")
            monitor.click("发起移交")
            monitor.see("已发起移交")
            monitor.tab("附件")
            monitor.see("网页原貌-")
            monitor.shot("01-case-with-captured-pages")
            leader = Person(browser, console_url, shots, "leader").login("leader")
            leader.go("升级处置")
            leader.page.get_by_text("恶意炒作→县委宣传部").first.click()
            leader.settle()
            leader.click("领导审批并移交")
            leader.see("已审批，证据包已生成并移交")
            leader.shot("02-approved")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()
    pack = max((seeded.data_dir / "evidence").glob("evidence-*.zip"), key=lambda p: p.stat().st_mtime)
    with zipfile.ZipFile(pack) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        shot_name = next(n for n in archive.namelist() if n.startswith("attachments/网页原貌-") and n.endswith(".png"))
        (shots / "03-captured-page-in-pack.png").write_bytes(archive.read(shot_name))
        html = archive.read(shot_name.removesuffix(".png") + ".html").decode("utf-8")
        summary = "\n".join(p.text for p in Document(io.BytesIO(archive.read("summary.docx"))).paragraphs
                            ) + "\n".join(c.text for t in Document(io.BytesIO(archive.read("summary.docx"))).tables
                                          for r in t.rows for c in r.cells)
    assert "网传渠县第二中学发生打架事件" in html
    entry = next(f for f in manifest["files"] if f["path"] == shot_name)
    assert entry["uploaded_by"] == "monitor" and entry["uploaded_at"] and len(entry["sha256"]) == 64
    assert "王舆情" in summary and "赵值班" not in manifest["operator"]     # 制作人: who gathered it


@pytest.fixture
def drafted(seeded):
    """The food alert confirmed with its facts and a first-response draft, made through the services."""
    with open_runtime(load_settings(), bcrypt_rounds=4) as runtime:
        wf = runtime.workflow
        person = wf.users.by_username
        alert_id = seeded.alert_ids["ev-food"]
        wf.alerts.start_review(person("reviewer"), alert_id)
        wf.alerts.confirm(person("reviewer"), alert_id)
        wf.alerts.set_facts(person("reviewer"), alert_id, LATE_FACTS)
        return wf.releases.draft(person("spokesperson"), alert_id, "first_response")


def test_unsaved_draft_text_survives_a_reload(drafted, console_url, shots):
    from playwright.sync_api import sync_playwright

    typed = "\n补充：县教育局将于今日下午召开家长说明会。"
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            spokesperson = Person(browser, console_url, shots, "spokesperson").login("spokesperson")
            page = spokesperson.page
            spokesperson.go("回应发布")
            page.get_by_text("首次回应/情况通报 ·").first.click()
            spokesperson.settle()
            body = page.get_by_label("正文")
            body.click()
            page.keyboard.press("Control+End")
            page.keyboard.type(typed)
            page.get_by_label("标题").first.click()                 # leaving the box hands the text over
            spokesperson.settle()
            page.wait_for_timeout(1500)
            spokesperson.shot("01-typed-not-saved")
            page.reload()                                           # the login lasts; the text must too
            page.get_by_role("heading", name="回应发布").first.wait_for()      # the same address, still logged in
            spokesperson.settle()
            page.get_by_text("首次回应/情况通报 ·").first.click()
            spokesperson.settle()
            spokesperson.see("已恢复您上次未保存的修改")
            assert typed.strip() in page.get_by_label("正文").input_value()
            spokesperson.shot("02-restored-after-reload")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()
