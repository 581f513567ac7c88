"""track_metric and track_file outside a model: what a CML job or session records, kept locally.

In CML a training script run as a job or experiment calls `cdsw.track_metric("auc", 0.91)` and
`cdsw.track_file("model.pkl")`, and CML shows them with the run. A script run outside a Slipway
replica (plain python3, or `slipway python -- train.py`) appends them instead, one JSON object a
line, to `.slipway/tracked/<run>.jsonl` at the repository root (found by walking up from the
working directory to the folder holding `.git`; the working directory when there is none). The
folders are made mode 0700 and the file 0600, as everything under `.slipway/`. A file is recorded
by path (relative to the root when inside it), size and sha256, not copied. The first record of a
process prints one line on stderr saying where records go.

Lines:  {"time": ISO-8601 UTC, "run": "<run>", "script": argv[0], "type": "metric", "key", "value"}
        {"time", "run", "script", "type": "file", "path", "bytes", "sha256"}
"""
import datetime
import hashlib
import json
import os
import sys
import threading

from slipway_runtime.json_encoding import encode

_lock = threading.Lock()
_state = {"path": None, "run": None}


def repo_root(start=None):
    """The nearest folder from `start` (default: the working directory) up that holds `.git`, or None."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _private_dir(path):
    """Makes `path` (and missing parents) with mode 0700; an existing folder is left as it is."""
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        _private_dir(parent)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)


def _record_path():
    """Where this process records, made on first use (with the one-line notice)."""
    if _state["path"] is not None:
        return _state["path"]
    root = repo_root() or os.getcwd()
    folder = os.path.join(root, ".slipway", "tracked")
    _private_dir(folder)
    now = datetime.datetime.now(datetime.timezone.utc)
    run = "%s-%d" % (now.strftime("%Y%m%dT%H%M%SZ"), os.getpid())
    path = os.path.join(folder, run + ".jsonl")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    _state["path"], _state["run"] = path, run
    sys.stderr.write(
        "cdsw: not in a Slipway model, so tracked metrics and files are recorded in %s\n" % path
    )
    return path


def _append(entry):
    with _lock:
        path = _record_path()
        entry = dict(
            time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            run=_state["run"],
            script=sys.argv[0] if sys.argv and sys.argv[0] else None,
            **entry
        )
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def record_metric(key, value):
    """Appends a metric; the value is encoded as the runtime encodes answers (numpy allowed)."""
    try:
        encoded = json.loads(encode(value))
    except (TypeError, ValueError) as exc:
        raise TypeError("track_metric(%r): the value cannot be encoded as JSON: %s" % (key, exc))
    _append({"type": "metric", "key": str(key), "value": encoded})


def record_file(filename):
    """Appends a file's path, size and sha256; FileNotFoundError names the file when it is missing."""
    path = os.path.abspath(filename)
    if not os.path.isfile(path):
        raise FileNotFoundError("track_file(%r): no such file (from %s)" % (filename, os.getcwd()))
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    root = repo_root()
    shown = os.path.relpath(path, root) if root and (path + os.sep).startswith(root + os.sep) else path
    _append({"type": "file", "path": shown.replace(os.sep, "/"), "bytes": size, "sha256": digest.hexdigest()})
