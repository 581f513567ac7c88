"""Import the model file once and find its function."""
import importlib.machinery
import importlib.util
import os
import sys


class LoadError(Exception):
    """The file or function cannot serve; the message says what to change."""


def _module_name(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    # The file's own name lets other files `import predict` and get this very module; a name
    # already taken (json.py, test.py) would shadow a module the runtime itself relies on.
    if stem.isidentifier() and stem not in sys.modules:
        return stem
    return "slipway_model"


def load_function(file, function):
    """Import `file` (relative to the working directory, the build folder) and return `function`.

    The file's folder goes first on sys.path so the model imports its sibling files, and the
    working directory (the build context's root, the project root in CML's layout) right after
    it, so `from src.utils import clean` works from a model in a subfolder, as in CML. Exceptions raised by the model's own code propagate with their traceback; a missing file or
    function raises LoadError.
    """
    path = os.path.abspath(file)
    if not os.path.isfile(path):
        raise LoadError(
            "model file %r not found in %s (check `file` in models.yaml; it is relative to the "
            "build folder)" % (file, os.getcwd())
        )
    folder = os.path.dirname(path)
    root = os.getcwd()
    for entry in (root, folder):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
    name = _module_name(path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader, origin=path)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[name] = module
    loader.exec_module(module)
    fn = getattr(module, function, None)
    if fn is None:
        raise LoadError(
            "%s defines no top-level %r (check `function` in models.yaml)" % (file, function)
        )
    if not callable(fn):
        raise LoadError(
            "%s.%s is a %s, not a function (check `function` in models.yaml)"
            % (file, function, type(fn).__name__)
        )
    return fn
