// The runtime must run on Python 3.9+: every file compiles, and none uses 3.10+ syntax or APIs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeDir } from './replica-process.ts';

function pythonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__pycache__' ? [] : pythonFiles(full);
    return entry.name.endsWith('.py') ? [full] : [];
  });
}

const files = pythonFiles(runtimeDir);

// Parses each file as Python 3.9 would (match statements are refused), then walks the tree for
// what the 3.9 parser accepts but 3.9 cannot run: `X | Y` annotations and 3.10+ library names.
const checker = String.raw`
import ast, sys
NEWER_ATTRIBUTES = {"TaskGroup", "UTC", "pairwise", "bit_count", "add_note", "StrEnum", "TypeAlias",
                    "ParamSpec", "Self", "timeout_at"}
NEWER_NAMES = {"aiter", "anext", "ExceptionGroup", "BaseExceptionGroup", "tomllib"}
NEWER_KEYWORDS = {"strict", "kw_only", "slots"}
problems = []
for path in sys.argv[1:]:
    source = open(path, encoding="utf-8").read()
    try:
        tree = ast.parse(source, path, feature_version=(3, 9))
    except SyntaxError as exc:
        problems.append("%s:%s: not Python 3.9 syntax: %s" % (path, exc.lineno, exc.msg))
        continue
    annotations = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations += [a.annotation for a in node.args.args + node.args.kwonlyargs if a.annotation]
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, ast.Attribute) and node.attr in NEWER_ATTRIBUTES:
            problems.append("%s:%d: %s is Python 3.10+" % (path, node.lineno, node.attr))
        elif isinstance(node, ast.Attribute) and node.attr == "timeout" and getattr(node.value, "id", "") == "asyncio":
            problems.append("%s:%d: asyncio.timeout is Python 3.11+" % (path, node.lineno))
        elif isinstance(node, ast.Name) and node.id in NEWER_NAMES:
            problems.append("%s:%d: %s is Python 3.10+" % (path, node.lineno, node.id))
        elif isinstance(node, ast.Import) and any(alias.name == "tomllib" for alias in node.names):
            problems.append("%s:%d: tomllib is Python 3.11+" % (path, node.lineno))
        elif isinstance(node, ast.keyword) and node.arg in NEWER_KEYWORDS:
            problems.append("%s:%d: keyword %s= is Python 3.10+" % (path, node.value.lineno, node.arg))
    for annotation in annotations:
        for inner in ast.walk(annotation) if annotation is not None else []:
            if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.BitOr):
                problems.append("%s:%d: X | Y annotations are Python 3.10+" % (path, inner.lineno))
print("\n".join(problems))
`;

test('the runtime has Python files to check', () => {
  assert.ok(files.some((file) => file.endsWith(path.join('slipway_runtime', 'main.py'))));
  assert.ok(files.some((file) => file.endsWith('cdsw.py')));
  assert.ok(files.some((file) => file.endsWith(path.join('cml', 'metrics_v1.py'))));
});

test('every runtime file compiles with python3 -m py_compile', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-pycache-'));
  try {
    const run = spawnSync('python3', ['-m', 'py_compile', ...files], {
      encoding: 'utf8',
      // Compiled files go to a temp folder, not into runtime/python.
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
    });
    assert.is(run.status, 0, run.stderr);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('no file uses Python 3.10+ syntax or library names', () => {
  const run = spawnSync('python3', ['-c', checker, ...files], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.trim(), '', run.stdout);
});

test('the checker itself catches 3.10+ code', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-compat-'));
  try {
    const newer = path.join(dir, 'newer.py');
    fs.writeFileSync(
      newer,
      'import asyncio\ndef f(x: int | None) -> None:\n    async def g():\n        async with asyncio.TaskGroup():\n            pass\n    return list(zip([], [], strict=True))\n',
    );
    const matching = path.join(dir, 'matching.py');
    fs.writeFileSync(matching, 'match 1:\n    case 1:\n        pass\n');
    const run = spawnSync('python3', ['-c', checker, newer, matching], { encoding: 'utf8' });
    assert.match(run.stdout, /newer\.py:2: X \| Y annotations/);
    assert.match(run.stdout, /newer\.py:4: TaskGroup/);
    assert.match(run.stdout, /newer\.py:6: keyword strict=/);
    assert.match(run.stdout, /matching\.py:\d+: not Python 3\.9 syntax: Pattern matching/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
