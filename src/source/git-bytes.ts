// Runs git and keeps its output as bytes. Paths in git's `-z` output are raw bytes: a name that is
// not UTF-8 must be seen as such, not turned into replacement characters by a string decoder.
import { spawn } from 'node:child_process';

export type GitRun = {
  /** Bytes fed to git's standard input. */
  input?: string | Buffer;
  /** Variables added to the environment (GIT_INDEX_FILE for a private index). */
  env?: Record<string, string>;
  /** The file mode creation mask git runs with (a shell sets it), e.g. 0o277 for files only the owner reads. */
  umask?: number;
};

/** Thrown when git exits non-zero; `stderr` is git's own explanation. */
export class GitCommandError extends Error {
  readonly stderr: string;
  constructor(args: string[], code: number | null, stderr: string) {
    super(`git ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
    this.name = 'GitCommandError';
    this.stderr = stderr;
  }
}

/** Runs `git args` in `cwd`; resolves with its standard output as bytes. */
export function gitBytes(cwd: string, args: string[], run: GitRun = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const [command, argv]: [string, string[]] = run.umask === undefined ? ['git', args] : ['sh', ['-c', `umask ${run.umask.toString(8).padStart(4, '0')} && exec git "$@"`, 'git', ...args]];
    const child = spawn(command, argv, {
      cwd,
      env: run.env === undefined ? process.env : { ...process.env, ...run.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitCommandError(args, code, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(run.input ?? '');
  });
}

/** Splits `-z` output into its NUL-terminated records, as bytes. */
export function byteRecords(output: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let index = output.indexOf(0, start); index !== -1; index = output.indexOf(0, start)) {
    parts.push(output.subarray(start, index));
    start = index + 1;
  }
  if (start < output.length) parts.push(output.subarray(start));
  return parts;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** A path as UTF-8 text, or null when its bytes are not UTF-8. */
export function utf8Path(bytes: Buffer): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

/** A name the way git quotes it (`"caf\351.py"`): printable ASCII as is, other bytes in octal. */
export function gitQuoted(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x22) text += '\\"';
    else if (byte === 0x5c) text += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `"${text}"`;
}

/** Quotes a path for `--stdin-paths`, which reads lines and unquotes C-style `"…"` lines. */
export function stdinPath(path: string): string {
  if (!/[\x00-\x1f"\\\x7f]/.test(path)) return path;
  const escaped = path.replace(/[\x00-\x1f"\\\x7f]/g, (char) => {
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' };
    return named[char] ?? `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}
