"""Browser fixtures: a real `parapheur serve --demo`, a second origin, headless Chromium.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright for Python through
`executable_path`; no browser is ever downloaded. Without either, the browser tests are
skipped with the reason, except under CI, where they fail.
"""

import contextlib
import functools
import http.server
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed: pip install -e '.[test]'"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium"
    return None


@dataclass
class Servers:
    """The API server and the second origin (a static host page server) beside it."""

    base: str
    host_origin: str
    host_dir: Path

    def graphql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(f"{self.base}/graphql", json={"query": query, "variables": variables or {}},
                              headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def token(self, username: str) -> str:
        data = self.graphql('mutation($u: String!) { login(username: $u, password: "demo") '
                            "{ ... on LoginSuccess { token } } }", {"u": username})
        return data["login"]["token"]

    def cli(self, *args: str) -> str:
        """Run `parapheur <args>` on the server's database (`demo_server` keeps it beside host/)."""
        database = self.host_dir.parent / "e2e.sqlite"
        env = {**os.environ, "PARAPHEUR_DATABASE_URL": f"sqlite:///{database}"}
        done = subprocess.run([sys.executable, "-m", "parapheur.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def host_page(self, name: str, body: str) -> str:
        """Publish a page on the second origin; returns its URL."""
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner portal</title>'
                f'<link rel="icon" href="data:,">'
                f'<script type="module" src="{self.base}/widgets/parapheur.js"></script></head>'
                f'<body style="font-family: Georgia, serif; margin: 24px; --parapheur-accent: #0a7d5a">'
                f"{body}</body></html>")
        (self.host_dir / name).write_text(page, encoding="utf-8")
        return f"{self.host_origin}/{name}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        pass


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("widgets")
    host_dir = tmp / "host"
    host_dir.mkdir()
    host = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(host_dir)))
    host_origin = f"http://127.0.0.1:{host.server_address[1]}"
    threading.Thread(target=host.serve_forever, daemon=True).start()

    try:
        with demo_server(tmp, {"PARAPHEUR_CORS_ORIGINS": host_origin}) as base:
            yield Servers(base, host_origin, host_dir)
    finally:
        host.shutdown()


@contextlib.contextmanager
def demo_server(folder: Path, settings: dict[str, str]) -> Iterator[str]:
    """`parapheur serve --demo` on a SQLite file in `folder`, with the embedded broker and the
    given PARAPHEUR_* settings; yields its base URL once /health answers, stopped on the way out."""
    port = free_port()
    env = {**os.environ, "PARAPHEUR_DATABASE_URL": f"sqlite:///{folder / 'e2e.sqlite'}", **settings}
    # The code under test, not whatever checkout the virtualenv's editable install points at.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    for name in ("PARAPHEUR_BROKER_URL", "PARAPHEUR_SMTP_URL"):
        if name not in settings:
            env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "parapheur.cli", "serve", "--demo", "--port", str(port), "--no-access-log"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited early:\n{process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer /health within 60 s")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _browser_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests are required in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (own cookies) that records console errors; a test ends with none."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()
    assert errors == [], f"console errors: {errors}"


def screenshot(target: Any, name: str) -> Path:
    """Save a screenshot of a whole page, or of one widget, as a test artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if hasattr(target, "goto"):
        target.screenshot(path=str(path), full_page=True)
    else:
        target.screenshot(path=str(path))
    return path
