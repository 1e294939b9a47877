"""Every page as each role sees it, in headless Chromium over `courtesy serve`: what a hall
user reads is Chinese (ids, file names and the product's name aside), no text overlaps
another or is cut off by its box, no field shows dates in the browser's locale, no link
is dead. Screenshots of each page go to tests/artifacts/pages-ROLE-*.png."""
from __future__ import annotations

import re

import pytest

from monitor import accounts
from monitor.storage import Store
from monitor.web.common import PAGES

from .conftest import CHROMIUM, serve_board, stop_servers
from .test_review import seed
from .test_web_e2e import shot
from .test_web_pages import HALL

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at "
                                "/usr/bin/chromium (`make test` installs it)")
PASSWORD = "counter-supervisor"
USERS = {"root": "admin", "zhang": "supervisor", "liu": "staff", "li": "viewer"}
# words a page may carry in Latin letters: the product's name, formats, units, ids
ALLOWED = {"courtesy", "pdf", "csv", "json", "toml", "dbfs"} | set(USERS)
# the text of every visible text node and its boxes, and pairs of nodes whose boxes meet
PROBE = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const style = n.parentElement && getComputedStyle(n.parentElement);
    if (!text || !style || style.visibility === "hidden" || style.display === "none") continue;
    if (n.parentElement.closest("template, script, style, option, datalist, kbd, code")) continue;
    const folded = n.parentElement.closest("details:not([open])");  // shown once opened
    if (folded && !n.parentElement.closest("summary")) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const boxes = Array.from(range.getClientRects()).filter(r => r.width > 1 && r.height > 1);
    if (boxes.length) nodes.push({text, boxes});
  }
  const overlaps = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++)
    for (const a of nodes[i].boxes) for (const b of nodes[j].boxes) {
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2) overlaps.push([nodes[i].text, nodes[j].text]);
    }
  // what a user reads besides text: hints, tooltips, button labels
  const said = Array.from(document.querySelectorAll(
      "[placeholder], [title], [aria-label], input[type=submit], input[type=button]"))
    .filter(e => !e.closest("template"))
    .flatMap(e => [e.getAttribute("placeholder"), e.getAttribute("title"),
                   e.getAttribute("aria-label"), /^(submit|button)$/.test(e.type) ? e.value : ""])
    .filter(Boolean);
  // fields a browser shows in its own locale's order (mm/dd/yyyy in an English one)
  const localeBound = Array.from(document.querySelectorAll(
    "input[type=date], input[type=time], input[type=datetime-local], input[type=month], " +
    "input[type=week]"))
    .map(e => e.name || e.type);
  const links = Array.from(document.querySelectorAll("a[href]"))
    .map(a => new URL(a.href, location.href)).filter(u => u.origin === location.origin)
    .map(u => u.pathname + u.search);
  // text cut off by its box (overflow hidden or clipped): a name a user cannot read whole
  const clipped = Array.from(document.body.querySelectorAll("*")).filter(e => {
    const style = getComputedStyle(e);
    const cuts = /hidden|clip/.test(style.overflowX + style.overflowY);
    if (!cuts || !e.textContent.trim()) return false;
    return e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1;
  }).map(e => e.textContent.trim().slice(0, 40));
  return {texts: nodes.map(n => n.text).concat(said), overlaps, localeBound, links, clipped};
}"""


@pytest.fixture(scope="module")
def hall(scorer, tmp_path_factory):
    """One board for the module (each role's pages, then the staff member's appeal)."""
    folder = tmp_path_factory.mktemp("pages")
    store = Store(folder / "courtesy.db")
    for name, role in USERS.items():
        accounts.add_user(store, name, role, PASSWORD,
                          staff="S12" if role == "staff" else None)
    visits = seed(store, scorer, folder)
    config = folder / "hall.toml"
    config.write_text(HALL, encoding="utf-8")
    servers: list = []
    db = folder / "courtesy.db"
    yield serve_board(db, servers, "--config", str(config)), visits, db
    stop_servers(servers)


DOWNLOADS = re.compile(r"format=(pdf|csv|json)|/audio|/logout")  # built or done elsewhere
RAW_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")  # 2026-11-20T09:00, 2026-11-20 09:00


def english(texts: list[str]) -> set[str]:
    """Latin words a hall user would read: not ids (with digits), not the allowed ones; and
    raw ISO times (a hall reads 2026年11月20日 09:00)."""
    words = {m.group() for text in texts for m in RAW_TIME.finditer(text)}
    for text in texts:
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_.-]*", text):
            if not any(c.isdigit() for c in word) and word.lower() not in ALLOWED:
                words.add(word)
    return words


@pytest.mark.parametrize("name", list(USERS))
def test_every_page_a_role_may_see_reads_in_chinese_with_no_text_overlapping(
        hall, browser, name):
    url, visits, _ = hall
    role = USERS[name]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url + "/login")
    before = page.evaluate(PROBE)  # the login page, as anybody first sees it
    assert not english(before["texts"]) and not before["overlaps"], before
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    paths = [page.evaluate("e => new URL(e.href).pathname", a)
             for a in page.query_selector_all("header.site nav.links a")]
    assert len(paths) == sum(roles is None or role in roles for _, _, roles in PAGES)
    if role in ("supervisor", "admin"):
        paths += [f"/replay/{visits['taboo']}", "/review/sample?day=2026-11-20",
                  "/review?day=2026-11-20",
                  "/reports/view?from=2026-11-20&to=2026-11-20&format=html"]
    if role == "staff":
        paths += [f"/replay/{visits['ungreeted']}", "/me?from=2026-11-01&to=2026-11-30"]
    paths.append("/replay/000000000000-W01-999")  # an error page reads as the others do
    problems, links = {}, {}
    for n, path in enumerate(paths):
        response = page.goto(url + path)
        assert response.status == (404 if path.endswith("-999") else 200), (role, path)
        page.wait_for_timeout(200)
        shot(page, f"pages-{role}-{n:02d}")
        found = page.evaluate(PROBE)
        words, overlaps = english(found["texts"]), found["overlaps"]
        if words or overlaps or found["localeBound"] or found["clipped"]:
            problems[path] = {"english": sorted(words), "overlaps": overlaps[:5],
                              "locale-bound fields": found["localeBound"],
                              "clipped": found["clipped"]}
        links.update(dict.fromkeys(found["links"], path))
    dead = {link: on for link, on in links.items() if not DOWNLOADS.search(link)
            and page.request.get(url + link, max_redirects=0).status >= 400}
    assert not problems, problems
    assert not dead, f"links that answer an error (link: the page it is on): {dead}"


def login_as(page, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def test_a_staff_member_replays_their_own_visit_and_appeals(hall, browser):
    from playwright.sync_api import expect

    url, visits, db = hall
    mine = visits["ungreeted"]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    login_as(page, url, "liu")
    assert page.url.endswith("/me")  # a staff member lands on their own record
    page.goto(url + "/me?from=2026-11-01&to=2026-11-30")
    own = page.locator(f'section[data-visit="{mine}"]')
    own.get_by_role("link", name="回放此处").first.click()
    expect(page.locator("h1")).to_have_text("来访回放")
    expect(page.locator("#lines .line").first).to_be_visible()
    shot(page, "flow-staff-replay")
    page.go_back()
    own = page.locator(f'section[data-visit="{mine}"]')
    own.locator("form.appeal input[name=reason]").first.fill("我说了您好，录音里听得到")
    own.locator("form.appeal button").first.click()
    expect(page.locator("text=已申诉：我说了您好").first).to_be_visible()
    shot(page, "flow-staff-appealed")
    assert [a.status for a in Store(db).appeals()] == ["open"]
