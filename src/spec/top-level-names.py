# Reads a JSON list of Python file paths on stdin and prints, as JSON, the names each file defines at
# its top level, so Slipway can check that a model's `function` exists without importing the code
# (importing would run it, and need its dependencies), and the absolute imports the file makes
# anywhere, with their lines, so Slipway can check they stay inside the model's build. One process
# for every file keeps a thousand-model repository fast. Standard library only.
import ast
import json
import sys


def bound_names(target, out):
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            bound_names(element, out)
    elif isinstance(target, ast.Starred):
        bound_names(target.value, out)


def collect(body, names, functions, state):
    # Module scope includes the bodies of top-level if/try/with/for/while blocks
    # (`try: from fast import predict` / `except ImportError: def predict(...)`).
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
            functions.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                bound_names(target, names)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            bound_names(node.target, names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == '*':
                    state['star'] = True
                else:
                    names.add(alias.asname or alias.name.split('.')[0])
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            bound_names(node.target, names)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    bound_names(item.optional_vars, names)
        for field in ('body', 'orelse', 'finalbody'):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                collect(getattr(node, field, None) or [], names, functions, state)
        for handler in getattr(node, 'handlers', None) or []:
            collect(handler.body, names, functions, state)


def inspect(path):
    try:
        with open(path, 'rb') as f:
            source = f.read()
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        return {'syntaxError': {'line': e.lineno or 1, 'column': e.offset or 1, 'message': e.msg}}
    except (OSError, ValueError) as e:
        return {'readError': str(e)}
    names, functions, state = set(), set(), {'star': False}
    collect(tree.body, names, functions, state)
    return {
        'names': sorted(names),
        'functions': sorted(functions),
        'starImport': state['star'],
        'imports': imports(tree),
    }


def imports(tree):
    # Relative imports (`from . import x`) stay in the file's own package, so only absolute ones
    # can reach another folder of the repository.
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(imported(alias.name, node))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(imported(node.module, node))
    return found


def imported(module, node):
    # A standard-library module wins over a folder of the same name only in some layouts; it is
    # never a reason to ask for a bigger build.
    stdlib = module.split('.')[0] in getattr(sys, 'stdlib_module_names', ())
    return {'module': module, 'line': node.lineno, 'column': node.col_offset + 1, 'stdlib': stdlib}


def main():
    paths = json.load(sys.stdin)
    json.dump({path: inspect(path) for path in paths}, sys.stdout)


main()
