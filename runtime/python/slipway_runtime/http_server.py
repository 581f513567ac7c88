"""HTTP/1.1 for a replica, on asyncio streams: keep-alive, Content-Length bodies, one write per
response.

Not http.server: it sends headers and body in separate writes, and on a keep-alive loopback
connection Nagle's algorithm then waits for the peer's delayed ACK (~40 ms per call). Here the
status line, headers and body go out in one write on a TCP_NODELAY socket (asyncio's default).
Requests on one connection are answered in order, so pipelining works too.
"""
import asyncio
import time

_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    404: b"Not Found",
    405: b"Method Not Allowed",
    411: b"Length Required",
    413: b"Payload Too Large",
    431: b"Request Header Fields Too Large",
    500: b"Internal Server Error",
    503: b"Service Unavailable",
}

# A request head (request line + headers) larger than this is refused with 431.
HEAD_LIMIT = 64 * 1024
# A body declared larger than this is refused with 413 unless the server is told another limit
# (the gateway's own default, limits.maxRequestBytes).
DEFAULT_BODY_LIMIT = 5 * 1024 * 1024
_DRAIN_ABOVE = 256 * 1024
_READ_SIZE = 64 * 1024

_date_cache = [0, b""]


def _date_header():
    now = int(time.time())
    if now != _date_cache[0]:
        stamp = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)).encode("ascii")
        _date_cache[0], _date_cache[1] = now, b"Date: " + stamp + b"\r\n"
    return _date_cache[1]


def _response(status, payload, keep_alive, http10, extra_headers):
    if not keep_alive:
        connection = b"Connection: close\r\n"
    elif http10:
        connection = b"Connection: keep-alive\r\n"
    else:
        connection = b""
    return b"".join((
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        % (status, _REASONS.get(status, b"Unknown"), len(payload)),
        _date_header(),
        connection,
        extra_headers,
        b"\r\n",
        payload,
    ))


class _BadRequest(Exception):
    def __init__(self, status, message, kind="BadRequest"):
        super().__init__(message)
        self.status = status
        self.kind = kind


def _error_json(kind, message):
    # Kept free of the json module's edge cases: messages here are ASCII without quotes.
    return b'{"error":{"type":"%s","message":"%s"}}' % (kind.encode(), message.encode())


def _parse_head(head):
    """(method, path, http10, keep_alive, length, expects_continue) from the raw head bytes."""
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(400, "malformed request line; expected METHOD PATH HTTP/1.1")
    method, target, version = parts
    length = 0
    connection = ""
    expects_continue = False
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise _BadRequest(400, "malformed header line; expected Name: value")
        name = name.lower()
        if name == "content-length":
            value = value.strip()
            if not value.isdigit():
                raise _BadRequest(400, "Content-Length must be a decimal number of bytes")
            length = int(value)
        elif name == "transfer-encoding" and value.strip().lower() != "identity":
            raise _BadRequest(
                411,
                "chunked request bodies are not supported; send the body with a Content-Length",
                "LengthRequired",
            )
        elif name == "connection":
            connection = value.strip().lower()
        elif name == "expect":
            expects_continue = value.strip().lower() == "100-continue"
    http10 = version == "HTTP/1.0"
    keep_alive = ("keep-alive" in connection) if http10 else ("close" not in connection)
    return method, target.split("?", 1)[0], http10, keep_alive, length, expects_continue


class HttpServer:
    """Serves `handler(method, path, body) -> (status, json_bytes, extra_header_bytes)`.

    A body whose Content-Length is over `body_limit` is refused with 413 before it is read: a pod
    is reachable from other pods, so the runtime cannot count on the gateway's own limit.
    """

    def __init__(self, handler, log, body_limit=DEFAULT_BODY_LIMIT):
        self._handler = handler
        self._log = log
        self._body_limit = body_limit
        self._idle = {}  # writer -> True while waiting for the next request
        self._tasks = set()
        self._busy = 0
        self._drained = None
        self.stopping = False

    async def serve_connection(self, reader, writer):
        # asyncio reads up to 256 KiB at a time into a new bytes object: above glibc's mmap
        # threshold, so every call paid mmap + mremap + munmap. 64 KiB comes from the heap.
        if hasattr(writer.transport, "max_size"):
            writer.transport.max_size = _READ_SIZE
        self._idle[writer] = True
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if not self._idle.pop(writer, True):
                self._call_done()
            writer.close()
            try:
                # Collects the close result, so a reset connection logs no "never retrieved".
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            self._tasks.discard(task)

    async def _serve(self, reader, writer):
        while not self.stopping:
            self._idle[writer] = True
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                message = "request head over %d bytes" % HEAD_LIMIT
                writer.write(_response(431, _error_json("BadRequest", message), False, False, b""))
                return
            self._idle[writer] = False
            self._busy += 1
            try:
                method, path, http10, keep_alive, length, expects_continue = _parse_head(head)
            except _BadRequest as exc:
                # After a bad head the stream position is unknown: answer and close.
                writer.write(_response(exc.status, _error_json(exc.kind, str(exc)), False, False, b""))
                return
            if length > self._body_limit:
                message = "request body of %d bytes is over the limit of %d bytes" % (length, self._body_limit)
                writer.write(_response(413, _error_json("PayloadTooLarge", message), False, False, b""))
                return
            if expects_continue and length:
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = await reader.readexactly(length) if length else b""
            try:
                status, payload, extra = await self._handler(method, path, body)
            except Exception as exc:
                self._log("internal error answering %s %s: %r" % (method, path, exc))
                status, payload, extra = 500, _error_json("InternalError", "runtime error"), b""
            keep_alive = keep_alive and not self.stopping
            writer.write(_response(status, payload, keep_alive, http10, extra))
            if writer.transport.get_write_buffer_size() > _DRAIN_ABOVE:
                await writer.drain()
            self._call_done()
            self._idle[writer] = True
            if not keep_alive:
                return

    def _call_done(self):
        self._busy -= 1
        if self.stopping and self._busy == 0:
            self._drained.set()

    async def stop(self):
        """Refuse new requests, let calls in flight answer (then close), close idle connections."""
        self.stopping = True
        self._drained = asyncio.Event()
        for writer, idle in list(self._idle.items()):
            if idle:
                writer.close()
        if self._busy > 0:
            await self._drained.wait()
        # Let every connection finish closing before the loop goes away.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
