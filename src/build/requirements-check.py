# Run with a build's virtualenv python: which requirements of a requirements file the interpreter
# already satisfies (its own packages and the system's, which the venv sees), and, when some are
# missing, whether the package index pip would fetch them from can be reached at all. Slipway then
# skips pip when nothing needs fetching, and fails in seconds, naming the packages, when the index
# is out of reach (pip would retry for minutes). Prints one JSON object. Standard library, plus
# the `packaging` that pip vendors when it is there.
#
#   python requirements-check.py FILE
#
# {"simple": bool, "missing": [{"requirement", "name", "found"}], "index": null | {"reachable", "reason"}}
# `simple` is false when the file holds anything but plain requirements (options, paths, URLs):
# only pip can tell what those need.
import json
import os
import re
import socket
import subprocess
import sys
from importlib import metadata
from urllib.parse import urlsplit

try:
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
except ImportError:  # pragma: no cover - an interpreter without pip
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:
        Requirement = None

DEFAULT_INDEX = "https://pypi.org/simple"
PROBE_SECONDS = 5


def lines(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # A backslash at the end of a line continues it, as pip reads it.
    text = re.sub(r"\\\r?\n", " ", text)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line:
            yield line


def missing_of(line):
    """None when satisfied; else what is missing. Raises ValueError for a line only pip can judge."""
    if Requirement is None or line.startswith("-") or "/" in line or "://" in line:
        raise ValueError(line)
    try:
        req = Requirement(line)
    except InvalidRequirement:
        raise ValueError(line)
    if req.url:
        raise ValueError(line)
    if req.marker is not None and not req.marker.evaluate():
        return None
    try:
        found = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        return {"requirement": line, "name": req.name, "found": None}
    if req.specifier and not req.specifier.contains(found, prereleases=True):
        return {"requirement": line, "name": req.name, "found": found}
    return None


def index_url():
    url = os.environ.get("PIP_INDEX_URL")
    if url:
        return url
    try:
        got = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True, text=True, timeout=20,
        )
        if got.returncode == 0 and got.stdout.strip():
            return got.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return DEFAULT_INDEX


def probe(url):
    # The URL may hold credentials: only whether it answers is reported, never the URL.
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return {"reachable": True, "reason": "not an http(s) index"}
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_SECONDS):
            return {"reachable": True, "reason": ""}
    except socket.timeout:
        return {"reachable": False, "reason": "no answer within %d s" % PROBE_SECONDS}
    except OSError as exc:
        return {"reachable": False, "reason": exc.strerror or exc.__class__.__name__}


def main():
    simple = True
    missing = []
    for line in lines(sys.argv[1]):
        try:
            gap = missing_of(line)
        except ValueError:
            simple = False
            continue
        if gap is not None:
            missing.append(gap)
    offline = os.environ.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on")
    index = probe(index_url()) if missing and simple and not offline else None
    json.dump({"simple": simple, "missing": missing, "index": index}, sys.stdout)


main()
