"""A real HTTP server on 127.0.0.1 for the live-source tests: routes are functions, requests are logged.

Nothing here touches the internet: the server binds the loopback interface on a free port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterator[bytes] = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    length: bool = True  # send Content-Length (bytes bodies only)


@dataclass
class Request:
    path: str
    headers: dict[str, str]


Route = Callable[[Request], Response]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        return  # clients that hang up early (timeouts, size caps) are expected here


class LoopbackServer:
    """ThreadingHTTPServer on a free loopback port; `routes` maps a path to a Route or a Response."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Response] = {}
        self.log: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                req = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.log.append(req)
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    resp = Response(404, b"not found", "text/plain")
                else:
                    resp = route(req) if callable(route) else route
                try:
                    self._send(resp)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts, size cap)
                    return

            def _send(self, resp: Response) -> None:
                if resp.delay:
                    time.sleep(resp.delay)
                self.send_response(resp.status)
                if resp.content_type:
                    self.send_header("Content-Type", resp.content_type)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                if isinstance(resp.body, bytes):
                    if resp.length:
                        self.send_header("Content-Length", str(len(resp.body)))
                    else:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(resp.body)
                    if not resp.length:
                        self.close_connection = True
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in resp.body:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="loopback-http", daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def drip(data: bytes, every: float, chunk: int = 1) -> Iterator[bytes]:
    """A body sent `chunk` bytes at a time, `every` seconds apart (a slow server)."""
    for i in range(0, len(data), chunk):
        time.sleep(every)
        yield data[i : i + chunk]


def stream(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A large body streamed without Content-Length."""
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        sent += n
        yield b"<p>" + b"x" * (n - 7) + b"</p>\n"
