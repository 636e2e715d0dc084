"""The real app for tests and benchmarks: ports, `commission serve` in a subprocess, and a relay
that takes its PostgreSQL away.

Every test server and benchmark takes its port from `free_port()`, which honours
`TEST_PORT_RANGE` (e.g. `8100-8199`, so that parallel runs on one machine keep apart) and
otherwise lets the operating system choose. `served_app()` starts `commission serve` in a
process group of its own, waits until it answers, and on the way out stops the whole group:
the server itself, not only a shell in front of it, never outlives the test.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
COMMISSION = str(BIN / "commission")
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def port_range(spec: str | None = None) -> range | None:
    """`TEST_PORT_RANGE` ("8100-8199", both ends included) as a range, or None when unset."""
    spec = os.environ.get("TEST_PORT_RANGE", "") if spec is None else spec
    if not spec.strip():
        return None
    low, sep, high = spec.partition("-")
    try:
        first, last = int(low), int(high if sep else low)
    except ValueError:
        raise ValueError(f"TEST_PORT_RANGE must look like 8100-8199, not {spec!r}") from None
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"TEST_PORT_RANGE {spec!r} is not a range of ports")
    return range(first, last + 1)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port nobody listens on: from TEST_PORT_RANGE when set, else chosen by the OS."""
    ports = port_range()
    if ports is None:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            return int(sock.getsockname()[1])
    # Start at a random place, so that processes sharing the range rarely pick the same port.
    start = random.randrange(len(ports))
    for offset in range(len(ports)):
        port = ports[(start + offset) % len(ports)]
        if _bindable(port):
            return port
    raise RuntimeError(f"no free port in TEST_PORT_RANGE={os.environ['TEST_PORT_RANGE']}")


def sqlite_url(directory: Path | None = None, name: str = "served.db") -> str:
    directory = directory or Path(tempfile.mkdtemp(prefix="commission-served-"))
    return f"sqlite:///{directory / name}"


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment a served app runs with: this database, a private secret, development."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    env.update(
        {
            "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
            "ENVIRONMENT": "development",
            "SECRET_KEY": "served-test-secret-" + "s" * 32,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str], env: Mapping[str, str], *, timeout: float = 180, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`commission <args>` in a subprocess; fails with its output when it fails."""
    result = subprocess.run(
        [COMMISSION, *args], env=dict(env), capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"commission {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


@dataclass
class ServedApp:
    """A running `commission serve`: its address, environment and log."""

    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def started_processes(self, expected: int, timeout: float = 30) -> int:
        """How many app processes have logged their start, waiting a while for `expected`
        (with --workers, the first to answer is not yet all of them)."""
        deadline = time.monotonic() + timeout
        while (count := self.log().count("Application startup complete")) < expected:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return count

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30, **kwargs)  # type: ignore[arg-type]


def wait_until_answering(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(base_url + "/sign-in", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            raise RuntimeError(f"the app at {base_url} did not start:\n{log}")
        time.sleep(0.2)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (the server and anything it started), then SIGKILL.

    The whole group, even when the process we started has already gone: a shell that died
    may have left its server behind.
    """
    pgid = process.pid  # the leader of the session it was started in
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        process.poll()
        if not _group_alive(pgid):
            break
        time.sleep(0.1)
    else:
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def served_app(
    env: Mapping[str, str],
    *,
    command: Sequence[str] | None = None,
    log_dir: Path | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
) -> Iterator[ServedApp]:
    """`commission serve` (or `command`, with `{port}` filled in) until the block ends."""
    port = free_port()
    args = [a.format(port=port) for a in command] if command else None
    args = args or [COMMISSION, "serve", "--host", HOST, "--port", str(port)]
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="commission-served-log-"))
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base_url = f"http://{HOST}:{port}"
            wait_until_answering(base_url, process, log_path, ready_timeout)
            yield ServedApp(base_url, dict(env), process, log_path)
        finally:
            stop(process)


# --- the database going away, for one served app only ---------------------------------------


def _driver_url(database_url: str) -> str:
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", database_url)


def terminate_backends(database_url: str) -> int:
    """pg_terminate_backend for every connection to this database but the admin's own, as an
    administrator or a failover would; how many there were."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(_driver_url(database_url))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        ).scalar()
    admin.dispose()
    return int(killed or 0)


class PausableRelay:
    """A TCP relay to PostgreSQL on a port of its own (free_port), for a served app to reach
    its database through: `cut()` drops every relayed connection and stops listening (for the
    app, the database gone: connections lost, new ones refused); `restore()` listens again on
    the same port. Nobody else's connections to the shared server are touched."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy.engine import make_url

        real = make_url(_driver_url(database_url))
        self.target = (real.host or HOST, real.port or 5432)
        self.port = free_port()
        # The same database, reached through the relay.
        self.url = real.set(host=HOST, port=self.port).render_as_string(hide_password=False)
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


# --- a student's or instructor's browser, without the browser --------------------------------


def csrf_in(html: str) -> str:
    """The CSRF token a page carries in its forms."""
    import re

    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def page_sign_in(client: httpx.Client, username: str, password: str) -> None:
    """Sign in through the sign-in form, as a browser does (CSRF token and all)."""
    token = csrf_in(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def submit_form(
    client: httpx.Client,
    page: str,
    action: str,
    data: Mapping[str, str],
    files: Mapping[str, tuple[str, bytes, str]] | None = None,
) -> httpx.Response:
    """Fetch `page` for its CSRF token, then post the form to `action`."""
    token = csrf_in(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, files=files)


def api_token(client: httpx.Client) -> str:
    """A personal API token, created on the account page by a signed-in client."""
    import re

    response = submit_form(client, "/account", "/account/tokens", {"name": "tests"})
    page = client.get(response.headers["location"]).text if response.is_redirect else response.text
    match = re.search(r"\b(cmt_[A-Za-z0-9_\-]+)", page)
    assert match, "the account page showed no new token"
    return match.group(1)
