"""What went wrong (or looked wrong) while the model file was imported, as structured data.

Most failures of a model that works elsewhere come from its environment, not its code: a module
the build does not install, an artifact pickled with another version of a library. The runtime
classifies them here, where the exception and warning objects still are, and reports the result
as JSON on the `SLIPWAY_LOAD` line (see main.py), so the supervisor never parses messages.

Report: {"warnings": [Finding], "error": Finding | null}, where a Finding is
  {"kind", "message", "package", "found", "wanted"}
  kind: "missing-module"    the model (or its artifact) imports a module that is not installed
        "artifact"          unpickling an artifact failed (joblib / pickle / cloudpickle)
        "version-skew"      a library warned that an artifact was made with another version
        "warning"           any other warning emitted while loading
        "error"             any other exception (the model's own code)
  package: the distribution (or module) concerned, or null; found / wanted: versions, or null.
"""
import linecache
import os
import re
import sys
import traceback
from importlib import metadata

_VERSIONS = re.compile(r"from version (?P<wanted>[^\s,;]+) when using version (?P<found>[^\s,;.]+(?:\.[^\s,;.]+)*)")
_ON_MODULE = re.compile(r"on <module '(?P<module>[\w.]+)'")
_LOADERS = ("pickle", "joblib", "cloudpickle", "dill", "torch.load", "load(")


def _distribution(module):
    """The installed distribution providing the top-level `module` (sklearn → scikit-learn)."""
    top = (module or "").split(".")[0]
    if not top:
        return None
    try:
        names = metadata.packages_distributions().get(top)
    except Exception:  # an odd installation must not break the diagnosis
        names = None
    return names[0] if names else top


def _version(distribution):
    try:
        return metadata.version(distribution) if distribution else None
    except metadata.PackageNotFoundError:
        return None


def _module_of_file(filename):
    """The top-level module a source file belongs to, from the sys.path entry holding it."""
    path = os.path.abspath(filename or "")
    for entry in sorted((os.path.abspath(e) for e in sys.path if e), key=len, reverse=True):
        if path.startswith(entry + os.sep):
            first = path[len(entry) + 1:].split(os.sep)[0]
            return first[:-3] if first.endswith(".py") else first
    return None


def _finding(kind, message, package=None, found=None, wanted=None):
    return {"kind": kind, "message": message, "package": package, "found": found, "wanted": wanted}


def classify_warning(warning):
    """A Finding for one `warnings.WarningMessage` recorded while loading."""
    category = warning.category.__name__
    # One line: the apply output and the PR comment show it as one item.
    text = " ".join(str(warning.message).split())
    message = "%s: %s" % (category, text)
    payload = warning.message if isinstance(warning.message, Warning) else None
    # scikit-learn >= 1.3 carries the versions on the warning; older ones only say them.
    wanted = getattr(payload, "original_sklearn_version", None)
    found = getattr(payload, "current_sklearn_version", None)
    matched = _VERSIONS.search(text)
    if matched and wanted is None:
        wanted, found = matched.group("wanted"), matched.group("found")
    if wanted is not None or "Version" in category:
        module = getattr(warning.category, "__module__", "") or ""
        if module in ("builtins", "warnings", ""):
            module = _module_of_file(warning.filename)
        package = _distribution(module) if module else None
        return _finding("version-skew", message, package, found or _version(package), wanted)
    return _finding("warning", message)


def _loads_artifact(exc):
    """Whether `exc` was raised while an artifact was being unpickled: a frame of a pickle
    library, or the failing line of the model calling one (C unpicklers leave no frame)."""
    last = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        name = frame.f_globals.get("__name__", "") or ""
        if name.split(".")[0] in ("pickle", "joblib", "cloudpickle", "dill"):
            return True
        last = linecache.getline(frame.f_code.co_filename, lineno).strip()
    if last.startswith(("import ", "from ")):
        return False
    return any(marker in last for marker in _LOADERS)


def classify_error(exc, skew):
    """A Finding for the exception that stopped the import; `skew` is a version-skew warning
    Finding seen before it, which then is the likely cause."""
    message = "%s: %s" % (type(exc).__name__, " ".join(str(exc).split()))
    artifact = _loads_artifact(exc)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        package = exc.name.split(".")[0]
        kind = "artifact" if artifact else "missing-module"
        return _finding(kind, message, package)
    if skew is not None:
        return _finding("version-skew", message, skew["package"], skew["found"], skew["wanted"])
    if artifact:
        module = _ON_MODULE.search(str(exc))
        package = _distribution(module.group("module")) if module else None
        return _finding("artifact", message, package, _version(package))
    return _finding("error", message)


def report(warnings_seen, exc=None):
    """The load report for the warnings recorded and the exception raised (None: it loaded)."""
    findings = [classify_warning(w) for w in warnings_seen]
    skew = next((f for f in findings if f["kind"] == "version-skew"), None)
    return {"warnings": findings, "error": None if exc is None else classify_error(exc, skew)}
