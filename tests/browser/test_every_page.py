"""Every registered page in one headless Chromium session: Vietnamese with no English word on screen, its title in
the page's language, no console error, nothing fetched off loopback; and a leader's home page links to nothing the
leader may not open."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

from selenium.webdriver.remote.webdriver import WebDriver

from browser.conftest import Dashboard, console_errors, requests_leaving_loopback, sign_in
from helpers import REPO, clean_environment
from ioc.kpi.registry import KPI_BY_KEY
from layouts.i18n import FOLDER


def _word_list(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Common English words of a user interface, flagged even when no translation uses them.
UI_WORDS = _word_list(
    """loading error errors submit cancel save delete close open search filter filters page pages rows row next previous
    prev back data nothing found select choose clear reset upload download export apply yes none all total name status
    date from and the for with items results show showing empty"""
)
#: Proper names, codes and units that are the same in both languages.
ALLOWED = _word_list(
    """ioc kpi csv xlsx api json url sql cron http https www geojson shp zip png svg bkhcn dvc vneid utc gmt ict cpu max
    min"""
)
#: A word of 3+ ASCII letters standing alone: one joined to a code, a path or a quoted value by - _ / : = < > @ # or
#: quotes, or by a dot inside a name (``portal766.total``, ``dossier-sync``, ``"role": "leader"``), is part of that
#: code or value, which is data.
ASCII_WORD = re.compile(r"(?<![\w\-/:=<>@#\"'])(?<!\w\.)[A-Za-z]{3,}(?![\w\-/:=<>@#\"'])(?!\.\w)")

#: The dossier KPIs' codes, which the indicators page lists as codes beside their names.
CODES = re.compile(r"\b(?:" + "|".join(sorted(KPI_BY_KEY, key=len, reverse=True)) + r")\b")

#: Text a person sees or hears: the body's text, and placeholders, tooltips and labels for screen readers.
VISIBLE_TEXT = """
const parts = [document.body.innerText];
for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
  if (!el.getClientRects().length) continue;  // not rendered: neither seen nor read out
  for (const name of ['placeholder', 'title', 'aria-label']) {
    const value = el.getAttribute(name);
    if (value) parts.push(value);
  }
}
return parts.join('\\n');
"""
#: Every URL the page loaded or links to as a resource (scripts, styles, images, frames).
RESOURCE_URLS = """
const urls = performance.getEntriesByType('resource').map(e => e.name);
for (const el of document.querySelectorAll('script[src], link[href], img[src], iframe[src], source[src]')) {
  urls.push(el.src || el.href);
}
return urls;
"""
SETTLED = """
return document.readyState === 'complete' && document.title !== arguments[0]
  && !document.querySelector('[data-dash-is-loading="true"]');
"""
LINKS = "return [...document.querySelectorAll('a[href]')].map(a => a.href);"
#: The text of the page as served, before its scripts run (Dash's "Loading..." placeholder).
SERVED_TEXT = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(html => {
  const page = new DOMParser().parseFromString(html, 'text/html');
  page.querySelectorAll('script, style, noscript').forEach(el => el.remove());
  done(page.documentElement.getAttribute('lang') + '\\n' + page.body.textContent);
}, () => done(''));
"""
STATUS = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin', redirect: 'follow'}).then(r => done(r.status), () => done(-1));
"""


def _words(lang: str) -> set[str]:
    """The ASCII words of 3+ letters in the translations' values for ``lang``."""
    words: set[str] = set()
    for path in [FOLDER / f"{lang}.json", *FOLDER.glob(f"*.{lang}.json")]:
        for text in json.loads(path.read_text(encoding="utf-8")).values():
            words.update(word.lower() for word in ASCII_WORD.findall(re.sub(r"\{[^}]*\}", " ", text)))
    return words


def english_words() -> frozenset[str]:
    """Words that are English on a Vietnamese page: used by the English translations and not the Vietnamese ones,
    or common UI words; never the allowed names and codes."""
    return frozenset(((_words("en") - _words("vi")) | UI_WORDS) - ALLOWED)


def english_on(text: str, english: frozenset[str]) -> list[str]:
    """Each English word in ``text`` once, with the words around its first appearance."""
    hits = {}
    for match in ASCII_WORD.finditer(text):
        if match.group().lower() in english and match.group() not in hits:
            hits[match.group()] = " ".join(text[max(0, match.start() - 30) : match.end() + 30].split())
    return [f"{word} («{context}»)" for word, context in sorted(hits.items())]


def registered_paths(dashboard: Dashboard) -> list[str]:
    """The paths of every page the dashboard registers (``dash.page_registry`` of the app ``ioc serve`` makes)."""
    script = (
        "import json, dash\nfrom layouts.shell import create_app\ncreate_app()\n"
        "print(json.dumps([page['path'] for page in dash.page_registry.values()]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=clean_environment(dashboard.env), cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _open(driver: WebDriver, url: str, timeout: float = 30) -> None:
    """Open ``url`` and wait until Dash has routed it (the title is set) and no callback is still loading."""
    driver.get(url)
    deadline = time.monotonic() + timeout
    while not driver.execute_script(SETTLED, "IOC"):
        assert time.monotonic() < deadline, f"{url} did not settle in {timeout} s"
        time.sleep(0.2)
    time.sleep(1.0)  # callbacks fired by the first ones
    while driver.execute_script("return !!document.querySelector('[data-dash-is-loading=\"true\"]')"):
        assert time.monotonic() < deadline, f"{url} kept loading for {timeout} s"
        time.sleep(0.2)


def _titles(lang: str) -> set[str]:
    return {
        text
        for path in [FOLDER / f"{lang}.json", *FOLDER.glob(f"*.{lang}.json")]
        for key, text in json.loads(path.read_text(encoding="utf-8")).items()
        if key.startswith("page_title.")
    }


#: The audit log's recorded values (who, what, on what, details): data as written, not the page's words.
AUDIT_DATA = """
return Array.from(document.querySelectorAll(
    '#admin-audit-table .ag-cell[col-id="target"], #admin-audit-table .ag-cell[col-id="details"],'
    + ' #admin-audit-table .ag-cell[col-id="action"], #admin-audit-table .ag-cell[col-id="actor"]'
)).map(cell => cell.innerText).filter(text => text.trim()).sort((a, b) => b.length - a.length);
"""


def test_every_page_is_vietnamese_clean_and_local(browser: WebDriver, dashboard: Dashboard) -> None:
    paths = registered_paths(dashboard)
    assert {"/", "/wall", "/wall/risk", "/explore", "/admin"} <= set(paths)
    english = english_words()
    vi_titles, en_titles = _titles("vi"), _titles("en")
    sign_in(browser, dashboard, "admin")
    browser.get_log("browser")
    browser.get_log("performance")
    found: dict[str, list[str]] = {}
    for path in paths:
        _open(browser, f"{dashboard.url}{path}?lang=vi")
        title = browser.title
        shown = browser.execute_script(VISIBLE_TEXT)
        for role in ("leader", "analyst", "admin"):  # the test accounts' names are data
            shown = shown.replace(dashboard.username(role), "")
        for data in browser.execute_script(AUDIT_DATA):  # what the audit log records: names, codes, JSON
            shown = shown.replace(data, " ")
        shown = re.sub(CODES, " ", shown)
        words = english_on(shown, english)
        errors = console_errors(browser)
        off = [u for u in browser.execute_script(RESOURCE_URLS) if urlsplit(u).hostname not in (None, "127.0.0.1")]
        off += requests_leaving_loopback(browser)
        problems = [f"English: {word}" for word in words]
        problems += [] if title in vi_titles else [f"title {title!r} is not a Vietnamese page title"]
        problems += [f"console: {error}" for error in errors] + [f"off loopback: {url}" for url in off]
        _open(browser, f"{dashboard.url}{path}?lang=en")
        if browser.title not in en_titles:
            problems.append(f"title with ?lang=en {browser.title!r} is not an English page title")
        problems += [f"console (en): {error}" for error in console_errors(browser)]
        browser.get_log("performance")
        if problems:
            found[path] = problems
    assert not found, "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)


def test_a_leaders_home_page_links_to_nothing_forbidden(browser: WebDriver, dashboard: Dashboard) -> None:
    sign_in(browser, dashboard, "leader")
    _open(browser, f"{dashboard.url}/?lang=vi")
    links = sorted({href for href in browser.execute_script(LINKS) if urlsplit(href).hostname == "127.0.0.1"})
    assert links, "the home page offers no link"
    statuses = {href: browser.execute_async_script(STATUS, href) for href in links}
    assert all(status == 200 for status in statuses.values()), statuses
