"""Loopback servers for tests of what a client does with a peer that is not a Dask scheduler."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator

GREETING = b"HELLO this is not a Dask scheduler\r\n"


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def junk_server() -> Iterator[int]:
    """A loopback TCP server (its port) that greets each connection with one line that is not
    Dask and then holds it open, silent: a client that waits must time out by itself."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with contextlib.suppress(OSError):
                conn.sendall(GREETING)
            held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield int(server.getsockname()[1])
    finally:
        server.close()
        for conn in held:
            conn.close()


class _Hello(http.server.BaseHTTPRequestHandler):
    """Says hello to every GET and logs nothing."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello\n")

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def http_server() -> Iterator[int]:
    """A loopback HTTP server (its port); it waits for a request line a Dask client never
    sends."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        yield int(web.server_address[1])
    finally:
        web.shutdown()
        web.server_close()
