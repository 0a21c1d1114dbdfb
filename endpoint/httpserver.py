"""The HTTP server of one server process: uvicorn, with the connection limits and timeouts a public endpoint needs.

uvicorn alone lets a connection hold its place forever by sending its request
headers a byte at a time (slowloris), keeps any number of connections, and
cannot read a request line over 64 KiB (httptools parses URLs with 16-bit
offsets, so a long GET query got "400 Invalid HTTP request"). Here, per server
process:

* a request's headers must be complete within ``header_timeout`` seconds of
  the connection, or of the first read that left them incomplete, and its body
  within ``body_timeout`` seconds of the first read that left it incomplete;
  otherwise the connection is closed (with 408 when nothing of an answer was
  sent yet);
* an idle keep-alive connection is closed after ``keep_alive_timeout``;
* at most ``max_connections`` connections are open: a new one beyond that
  takes the place of the connection that has waited longest for its request
  headers (the slowest client, or an idle keep-alive one), or is answered 503
  when every connection has a request in progress;
* request lines up to the query size limit (tripled, for percent-encoding) are
  read, whatever their length; longer ones get 413, header blocks over
  :data:`MAX_HEADER_BYTES` get 431.

On SIGTERM/SIGINT the running queries are stopped at once (their clients get
503) rather than waited for (see :meth:`EndpointServer.shutdown`).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .settings import EndpointSettings

MAX_HEADER_BYTES = 64 * 1024  # every header name and value of one request
PARSE_URL_LIMIT = 65535  # httptools.parse_url fails beyond (16-bit offsets)
GRACEFUL_SECONDS = 5  # for answers still being sent when the server stops


class _Refused(Exception):
    """Raised in a parser callback to stop reading a request the protocol answers itself."""


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with timeouts on reading requests and a bound on connections.

    Timers are armed only when a read leaves a request incomplete: a request
    that arrives whole (nearly all of them) costs no timer.
    """

    header_timeout = 10.0
    body_timeout = 60.0
    max_connections = 1000
    max_url_bytes = 300_000

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._refusal: tuple[int, str] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = time.monotonic()  # waiting for a request's headers since
        self._head_bytes = 0  # read while waiting for them
        self._in_body = False
        self._long_query: bytes | None = None
        super().connection_made(transport)
        if len(self.connections) > self.max_connections and not self._make_room():
            self.send_error(503, "too many connections to this server; try again shortly", retry=True)
            return
        self._set_timer(self.header_timeout)  # a connection that sends nothing

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self._waiting_since = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting = self._waiting_since is not None
        if waiting:
            self._head_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        if waiting and self._waiting_since is not None:  # the headers are still incomplete
            if self._head_bytes > self.max_url_bytes + MAX_HEADER_BYTES:
                self._too_large()
            elif self._timer is None:
                self._set_timer(self.header_timeout)
        elif self._in_body and self._timer is None:
            self._set_timer(self.body_timeout)

    # -- timeouts ------------------------------------------------------------
    def _set_timer(self, seconds: float) -> None:
        self._cancel_timer()
        self._timer = self.loop.call_later(seconds, self._timed_out)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:  # its body is late: the application stops reading
            cycle.disconnected = True
            cycle.message_event.set()
            if cycle.response_started:  # only closing can tell the client
                self.transport.close()
                return
        what = "body" if self._in_body else "headers"
        self.send_error(408, f"the request {what} did not arrive within the time allowed")

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._waiting_since = time.monotonic()  # uvicorn's keep-alive timeout bounds the idle wait
            self._head_bytes = 0

    # -- connections ---------------------------------------------------------
    def _make_room(self) -> bool:
        """Close the connection that has waited longest for its request headers; False if none waits."""
        oldest, since = None, None
        for conn in self.connections:
            waiting = getattr(conn, "_waiting_since", None)
            if conn is not self and waiting is not None and (since is None or waiting < since):
                oldest, since = conn, waiting
        if oldest is None:
            return False
        oldest._waiting_since = None
        oldest._cancel_timer()
        oldest.transport.close()
        self.connections.discard(oldest)
        return True

    # -- reading the request -------------------------------------------------
    def on_headers_complete(self) -> None:
        self._waiting_since = None
        self._in_body = True
        self._cancel_timer()
        if len(self.url) > self.max_url_bytes:
            self._refuse(413, f"the request line is longer than {self.max_url_bytes} bytes (send a long query "
                              "with POST)")
        if self._head_bytes > MAX_HEADER_BYTES and sum(len(n) + len(v) for n, v in self.headers) > MAX_HEADER_BYTES:
            self._refuse(431, f"the request headers are larger than {MAX_HEADER_BYTES} bytes")
        self._long_query = None
        if len(self.url) > PARSE_URL_LIMIT:  # httptools cannot parse it: hand it the path, keep the query aside
            path, _, query = self.url.partition(b"?")
            self.url, self._long_query = path, query
        super().on_headers_complete()
        if self._long_query is not None:
            self.scope["query_string"] = self._long_query  # the request's task has not run yet

    def on_message_complete(self) -> None:
        self._in_body = False
        self._cancel_timer()
        super().on_message_complete()

    def _too_large(self) -> None:
        if len(self.url) > self.max_url_bytes:
            self.send_error(413, f"the request line is longer than {self.max_url_bytes} bytes (send a long query "
                                 "with POST)")
        else:
            self.send_error(431, f"the request headers are larger than {MAX_HEADER_BYTES} bytes")

    def _refuse(self, status: int, message: str) -> None:
        """Stop the parser from a callback; uvicorn then calls :meth:`send_400_response`."""
        self._refusal = (status, message)
        raise _Refused(message)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot read; ours when we stopped reading it on purpose."""
        status, message = self._refusal or (400, msg)
        self.send_error(status, message)

    def send_error(self, status: int, message: str, retry: bool = False) -> None:
        """A plain-text error answer, then the connection closes."""
        self._cancel_timer()
        self._waiting_since = None
        body = (message + "\n").encode("utf-8")
        head = [STATUS_LINE[status], b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: %d\r\n" % len(body), b"x-content-type-options: nosniff\r\n",
                b"connection: close\r\n"]
        if retry:
            head.append(b"retry-after: 1\r\n")
        self.transport.write(b"".join(head) + b"\r\n" + body)
        self.transport.close()


def protocol_class(settings: EndpointSettings) -> type[GuardedProtocol]:
    """:class:`GuardedProtocol` with the limits of ``settings``."""
    return type("EndpointProtocol", (GuardedProtocol,), {
        "header_timeout": settings.header_timeout,
        "body_timeout": settings.body_timeout,
        "max_connections": settings.max_connections,
        "max_url_bytes": settings.max_query_bytes * 3 + 8192,  # percent-encoding triples a query's size
    })


class EndpointServer(uvicorn.Server):
    """uvicorn's server, which on SIGTERM/SIGINT first stops the running queries (their clients get 503)."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.on_stop()
        await super().shutdown(sockets=sockets)


def serve(app: Any, sock: socket.socket, settings: EndpointSettings) -> None:
    """Serve ``app`` on the listening socket ``sock`` until SIGTERM/SIGINT."""
    config = uvicorn.Config(app, http=protocol_class(settings), log_level="warning", access_log=False,
                            server_header=False, timeout_keep_alive=settings.keep_alive_timeout,
                            timeout_graceful_shutdown=GRACEFUL_SECONDS, proxy_headers=False)
    EndpointServer(config, on_stop=app.state.pool.stop_queries).run(sockets=[sock])
