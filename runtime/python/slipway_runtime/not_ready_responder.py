"""Answer 503 on the replica's port while the model is being imported.

The model is imported on the main thread (the thread that later runs its calls, so objects a
model creates at import time, such as a sqlite3 connection, work in its calls). While that import
runs, this small blocking responder on a helper thread answers every request with 503 and closes
the connection, so GET /ready says "not yet" instead of leaving the caller hanging. When the
import is done it stops and the asyncio server takes over the same listening socket.
"""
import os
import socket
import stat
import threading

_NOT_READY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Content-Length: 15\r\nConnection: close\r\n\r\n{\"ready\":false}"
)
_MAX_READ = 64 * 1024


def bind(host, port):
    """A listening TCP socket on host:port (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def bind_unix(path):
    """A listening Unix domain socket at `path`, mode 0600 (only the daemon's user connects).

    A socket file left by a process that died is replaced; anything else at the path is an error.
    The socket is created under a 0177 umask, so it is never reachable by others, not even for
    the moment between bind and chmod.
    """
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        sock.bind(path)
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(previous)
    os.chmod(path, 0o600)
    sock.listen(1024)
    return sock


def _read_request(conn):
    # Read the whole request before answering: closing with unread bytes makes the kernel send
    # a reset, and the client would see an error instead of the 503.
    data = b""
    while b"\r\n\r\n" not in data and len(data) < _MAX_READ:
        chunk = conn.recv(8192)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    remaining = min(length, _MAX_READ) - len(rest)
    while remaining > 0:
        chunk = conn.recv(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)


class NotReadyResponder:
    def __init__(self, sock):
        self._sock = sock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="not-ready", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        """Stop answering and give the socket back (blocking mode off is left to asyncio)."""
        self._stop.set()
        self._thread.join()

    def _run(self):
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                conn.settimeout(1.0)
                _read_request(conn)
                conn.sendall(_NOT_READY)
            except OSError:
                pass
            finally:
                conn.close()
