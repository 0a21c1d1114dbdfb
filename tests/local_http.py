"""A real HTTP server on 127.0.0.1 (a free port) in a daemon thread, for the tests' fake portals and repositories."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answering(answer: Callable[[BaseHTTPRequestHandler], None], protocol: str = "HTTP/1.0") -> type:
    """A quiet request handler whose GETs are answered by ``answer(handler)``; a client that gave up is no error."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = protocol

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            try:
                answer(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout fault)

        def log_message(self, *args) -> None:
            pass

    return Handler


class LocalServer:
    """``with LocalServer(handler, "/oai") as s:`` serves on ``s.url`` until the block ends."""

    def __init__(self, handler: type, path: str = "/") -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
