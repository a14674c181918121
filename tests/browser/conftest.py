"""Fixtures for the browser tests: a headless Chromium (Debian's, driven by Playwright), the built site served
on a local port, and a guard that records every request to another host."""
from __future__ import annotations

import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                      shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    # Not a skip: a missing browser is a missing dependency, and `make test` installs it (tools/ensure_chromium.sh).
    pytest.fail("Chromium not found: run `bash tools/ensure_chromium.sh` or set CHROMIUM=/path/to/chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield b
        b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Build the book (as `make book` does, warnings are errors) and return the html folder.

    BUILT_SITE=/path/to/_build/html uses a site built elsewhere instead (no build: for running a few browser
    tests against an existing build)."""
    if os.environ.get("BUILT_SITE"):
        return Path(os.environ["BUILT_SITE"]).resolve()
    # Test modules on different pytest-xdist workers each ask for the site: the first builds it while the others
    # wait, and they then use that build (never two builds into _build at once, nor a rebuild under a worker that
    # is reading pages). The run's id (pytest-xdist's, or this process's) says whether this run has built it.
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    (ROOT / "_build").mkdir(exist_ok=True)
    stamp = ROOT / "_build" / ".built-by-test-run"
    with open(ROOT / "_build" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == run_id and (ROOT / "_build" / "html" / "index.html").is_file():
            return ROOT / "_build" / "html"
        stamp.unlink(missing_ok=True)
        result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py")], cwd=ROOT,
                                capture_output=True, text=True)
        if result.returncode == 0:
            stamp.write_text(run_id)
    if result.returncode != 0:
        pytest.fail("the book does not build with -W:\n" + (result.stdout + result.stderr)[-6000:])
    return ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def site_url(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class PageWatch:
    """Attach to a page: abort and record requests to other hosts, record console errors and page errors."""

    def __init__(self, page):
        self.external: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route):
        url = urlparse(route.request.url)
        if url.scheme in {"data", "blob", "about"} or (url.scheme in {"http", "https", "ws", "file"}
                                                         and (url.hostname or "") in LOCAL_HOSTS):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()


@pytest.fixture
def watched_page(browser):
    context = browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    yield page, watch
    context.close()
