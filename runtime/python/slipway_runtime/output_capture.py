"""Line-by-line, timestamped capture of what the model prints.

The supervisor reads the replica's stdout and stderr file descriptors. To keep one record per
line with its time, the model's `sys.stdout` / `sys.stderr` are replaced by writers that prefix
every complete line with `<ISO timestamp> <stream> ` and write it straight to the real fd, one
`os.write` per batch of lines under a lock, so lines from threads and from the runtime never
interleave mid-line. The runtime's own lines use the stream name `runtime` (on stderr); the
ready line is the only unprefixed line the runtime writes.

Output that bypasses `sys.stdout` (a subprocess, C code writing to fd 1) reaches the fd
unprefixed; readers should keep such lines as they are.
"""
import io
import os
import threading
import time

_STDOUT_FD = 1
_STDERR_FD = 2


def iso_now():
    """The current UTC time as ISO 8601 with milliseconds, e.g. 2024-05-01T12:00:00.123Z."""
    now = time.time()
    millis = int((now % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % millis


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BrokenPipeError:
            # Nobody reads our output any more (the supervisor is gone); serving goes on.
            return
        except InterruptedError:
            continue
        view = view[written:]


class FdSink:
    """Whole-line writes to one file descriptor; can hold output back until released."""

    def __init__(self, fd):
        self.fd = fd
        self._lock = threading.Lock()
        self._held = None

    def write(self, data):
        with self._lock:
            if self._held is not None:
                self._held.append(data)
                return
            _write_all(self.fd, data)

    def write_now(self, data):
        """Write past any hold (the ready line must come first on stdout)."""
        with self._lock:
            _write_all(self.fd, data)

    def hold(self):
        with self._lock:
            if self._held is None:
                self._held = []

    def release(self):
        with self._lock:
            held, self._held = self._held, None
            if held:
                _write_all(self.fd, b"".join(held))


class LineWriter(io.TextIOBase):
    """A text stream that turns each complete line into `<timestamp> <stream> <line>`."""

    def __init__(self, sink, stream_name):
        super().__init__()
        self._sink = sink
        self._name = stream_name
        self._partial = ""
        self._lock = threading.Lock()

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "backslashreplace"

    @property
    def buffer(self):
        # Some libraries write bytes to sys.stdout.buffer; decode them into the same lines.
        return _BinaryAdapter(self)

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._sink.fd

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        with self._lock:
            joined = self._partial + text
            if "\n" not in joined:
                self._partial = joined
                return len(text)
            lines = joined.split("\n")
            self._partial = lines.pop()
        self.emit(lines)
        return len(text)

    def flush(self):
        # A record is a whole line: an unfinished line waits for its newline (or flush_partial).
        pass

    def flush_partial(self):
        """Emit an unfinished line, so text printed without a newline is not lost."""
        with self._lock:
            pending, self._partial = self._partial, ""
        if pending:
            self.emit([pending])

    def emit(self, lines):
        prefix = "%s %s " % (iso_now(), self._name)
        text = "".join(prefix + line.rstrip("\r") + "\n" for line in lines)
        self._sink.write(text.encode("utf-8", "backslashreplace"))


class _BinaryAdapter:
    def __init__(self, writer):
        self._writer = writer

    def write(self, data):
        self._writer.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self):
        pass

    def writable(self):
        return True


class OutputCapture:
    """The replaced streams and the runtime's own log, all writing to the real fds."""

    def __init__(self):
        self.stdout_sink = FdSink(_STDOUT_FD)
        self.stderr_sink = FdSink(_STDERR_FD)
        self.stdout = LineWriter(self.stdout_sink, "stdout")
        self.stderr = LineWriter(self.stderr_sink, "stderr")
        self._runtime = LineWriter(self.stderr_sink, "runtime")

    def log(self, message):
        """One runtime line (or several, for a traceback) on stderr, prefixed `runtime`."""
        self._runtime.emit(str(message).rstrip("\n").split("\n"))

    def flush_partial(self):
        self.stdout.flush_partial()
        self.stderr.flush_partial()


def install():
    """Replace sys.stdout / sys.stderr and return the capture; stdout is held until released."""
    import sys

    capture = OutputCapture()
    # Until the ready line is out, the model's stdout waits, so the ready line is the first line.
    capture.stdout_sink.hold()
    sys.stdout = capture.stdout
    sys.stderr = capture.stderr
    return capture
