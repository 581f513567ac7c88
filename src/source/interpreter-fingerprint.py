# Prints, as JSON, what a Python interpreter is for a build: its executable, its version, and a
# fingerprint of the distributions a virtualenv made from it with --system-site-packages would see
# (names and versions). Run with -E -s, so PYTHONPATH and the user's site-packages, which a build's
# venv does not see, do not count. Standard library only.
import hashlib
import json
import os
import platform
import sys


def distributions():
    # The installed distributions' metadata folders (`numpy-1.24.2.dist-info`, Debian's
    # `numpy-1.24.2.egg-info`) name each one with its version; listing them is what
    # importlib.metadata does before reading every METADATA file, which is what made a plan slow.
    seen = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                seen.add(name.rsplit(".", 1)[0].lower().replace("_", "-"))
    return seen


def main():
    listing = "\n".join(sorted(distributions()))
    json.dump(
        {
            "executable": sys.executable,
            "version": platform.python_version(),
            "packages": hashlib.sha256(listing.encode("utf-8")).hexdigest()[:16],
        },
        sys.stdout,
    )


main()
