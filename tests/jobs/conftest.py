"""Real servers for the connector tests: aiosmtpd SMTP servers and ASGI apps under uvicorn.

Each runs in a thread of its own on a free loopback port. A missing piece (aiosmtpd not
installed, no openssl to make a certificate) skips the tests that need it with the reason,
except under CI, where it is a failure.
"""

import asyncio
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import uvicorn

IN_CI = bool(os.environ.get("CI"))


@dataclass(frozen=True)
class Login:
    user: str
    password: str


SMTP_LOGIN = Login("parapheur", "s3cret:with@signs")
# On the test certificate, though no DNS knows it: a request to it reaches 127.0.0.1 only if pinned there.
UNRESOLVED_TLS_HOST = "hooks.parapheur.test"


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused."""
    return free_port()


@pytest.fixture
def smtp_login() -> Login:
    """The user and password the TLS SMTP servers accept."""
    return SMTP_LOGIN


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class Inbox:
    """aiosmtpd handler: keeps what it receives; `unknown@…` gets 550, `busy@…` gets 451."""

    envelopes: list[Any] = field(default_factory=list)
    delay: float = 0.0
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook)
        if address.startswith("unknown@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        if self.delay:  # a slow server, so a client can die in the middle of the conversation
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(envelope.content, policy=default_policy) for envelope in self.envelopes]


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1, localhost and UNRESOLVED_TLS_HOST, made with openssl at test time."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl is not installed; it makes the self-signed certificate for the TLS tests")
    folder = tmp_path_factory.mktemp("tls")
    files = TlsFiles(certificate=folder / "cert.pem", key=folder / "key.pem")
    command = [
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-addext", f"subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:{UNRESOLVED_TLS_HOST}",
        "-keyout", str(files.key), "-out", str(files.certificate),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        missing(f"openssl could not make a self-signed certificate: {result.stderr.strip()}")
    return files


def _authenticate(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_LOGIN.user.encode()
        and auth_data.password == SMTP_LOGIN.password.encode()
    )
    if ok:
        server.event_handler.logins.append(SMTP_LOGIN.user)
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., SmtpServer]]:
    """Start an aiosmtpd server with the given Controller options; stopped after the test."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing("aiosmtpd is not installed (pip install -e '.[test]')")
    controllers = []

    def start(**options: Any) -> SmtpServer:
        inbox = Inbox()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return SmtpServer("127.0.0.1", port, inbox)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp) -> SmtpServer:
    """Plain SMTP, no authentication (a relay on the local network)."""
    return start_smtp()


@pytest.fixture
def starttls_server(start_smtp, tls_files: TlsFiles) -> SmtpServer:
    """SMTP submission: STARTTLS required, then AUTH with `smtp_login`."""
    return start_smtp(
        tls_context=tls_files.server_context(),
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    )


@pytest.fixture
def smtps_server(start_smtp, tls_files: TlsFiles) -> SmtpServer:
    """SMTP over implicit TLS (port 465 style), AUTH required."""
    return start_smtp(
        ssl_context=tls_files.server_context(),
        auth_required=True,
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS as TLS; the whole session is TLS here
        authenticator=_authenticate,
    )


# --- HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Run an ASGI app under uvicorn in a thread; returns its base URL, http://127.0.0.1:<port>,
    or https:// when given `tls` files."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any, tls: TlsFiles | None = None) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        certificate = {"ssl_certfile": str(tls.certificate), "ssl_keyfile": str(tls.key)} if tls else {}
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **certificate))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test HTTP server did not start")
            time.sleep(0.01)
        running.append((server, thread))
        return f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)
