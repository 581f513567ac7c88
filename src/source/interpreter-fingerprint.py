# Prints, as JSON, what a Python interpreter is for a build: its executable, its version, and a
# fingerprint of the distributions a virtualenv made from it with --system-site-packages would see
# (names and versions). Run with -E -s, so PYTHONPATH and the user's site-packages, which a build's
# venv does not see, do not count. Standard library only.
import hashlib
import json
import platform
import sys
from importlib import metadata


def main():
    seen = set()
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            seen.add("%s==%s" % (name.lower().replace("_", "-"), dist.version))
    listing = "\n".join(sorted(seen))
    json.dump(
        {
            "executable": sys.executable,
            "version": platform.python_version(),
            "packages": hashlib.sha256(listing.encode("utf-8")).hexdigest()[:16],
            "count": len(seen),
        },
        sys.stdout,
    )


main()
