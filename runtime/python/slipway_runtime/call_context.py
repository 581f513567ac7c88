"""Per-call state shared by the runtime and the SDK decorators, one per executing thread.

The runtime opens a CallRecord around each model call; a metrics decorator running inside it
fills in the prediction uuid and the tracked metrics, and the runtime sends them back to the
gateway with the response. A call runs start to end on one thread, so a thread-local is enough
and costs nothing across calls.
"""
import threading

_local = threading.local()
_replica = {"running": False}


def mark_replica():
    """Called once by the runtime: this process serves a model (the SDK behaves as in a model)."""
    _replica["running"] = True


def in_replica():
    """True in a replica process; False in a training script, a session or a test."""
    return _replica["running"]


class CallRecord:
    """What a metrics-enabled call left behind: its uuid and its metrics (None if not enabled)."""

    __slots__ = ("uuid", "metrics")

    def __init__(self):
        self.uuid = None
        self.metrics = None


def begin_call():
    """Start a call on this thread and return its record."""
    record = CallRecord()
    _local.record = record
    return record


def end_call():
    _local.record = None


def current_call():
    """The record of the call running on this thread, or None outside the runtime."""
    return getattr(_local, "record", None)


def push_collector(metrics):
    """Make `metrics` (a dict) the target of track_metric on this thread until popped."""
    stack = getattr(_local, "collectors", None)
    if stack is None:
        stack = _local.collectors = []
    stack.append(metrics)


def pop_collector():
    _local.collectors.pop()


def current_collector():
    """The innermost metrics dict being tracked on this thread, or None."""
    stack = getattr(_local, "collectors", None)
    return stack[-1] if stack else None
