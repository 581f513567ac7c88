// Replicas in a bubblewrap sandbox (Debian's `bubblewrap`): new user, pid, IPC, UTS and (unless
// the policy keeps it) network namespaces, no capabilities, and an empty root holding only what
// the replica needs, read-only: its build, its interpreter and dependencies, Slipway's runtime,
// /usr and a few files of /etc. /tmp is private. The repository, `.slipway/` (daemon.json, the
// store, keys, logs), other builds, other models' processes and $HOME are simply not there.
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { interpreterPaths } from './interpreter-paths.ts';
import type { LaunchCommand, PrepareRequest, ReplicaLauncher, Wrap } from './launcher.ts';

/** What of /etc a process needs to run, resolve names and verify TLS; never shadow, never sudoers. */
const ETC_FILES = [
  '/etc/alternatives',
  '/etc/ca-certificates',
  '/etc/ssl',
  '/etc/pki',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/localtime',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/mime.types',
  '/etc/os-release',
  '/etc/python3',
  '/etc/R',
];

/** Top-level folders that are links into /usr on merged-/usr systems, and folders elsewhere. */
const ROOT_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64'];

/**
 * Binds the replica's socket outside the sandbox, then runs the sandbox with it open: a Unix
 * socket's folder (`.slipway/run/`, every replica's sockets) is never mounted inside, and a
 * replica without network cannot bind a TCP port its parent could reach (its loopback is its
 * own). `{listen-fd}` in the arguments becomes the descriptor's number. `-I -S`: nothing of a
 * virtualenv runs here. A Unix socket is made as the runtime makes it: 0600 from the start.
 */
const PREBIND = [
  'import os, socket, stat, sys',
  'kind, where = sys.argv[1], sys.argv[2]',
  'if kind == "unix":',
  '    try:',
  '        if stat.S_ISSOCK(os.lstat(where).st_mode): os.unlink(where)',
  '    except FileNotFoundError: pass',
  '    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
  '    previous = os.umask(0o177)',
  '    s.bind(where)',
  '    os.umask(previous)',
  '    os.chmod(where, 0o600)',
  'else:',
  '    s = socket.socket(socket.AF_INET6 if ":" in where else socket.AF_INET)',
  '    s.bind((where, 0))',
  's.listen(1024)',
  'os.set_inheritable(s.fileno(), True)',
  'argv = [str(s.fileno()) if a == "{listen-fd}" else a for a in sys.argv[3:]]',
  'os.execv(argv[0], argv)',
].join('\n');

/** A launcher running replicas under `bwrap` (an absolute path). */
export function bubblewrapLauncher(bwrap: string): ReplicaLauncher {
  return {
    name: 'bubblewrap',
    isolated: true,
    prepare: async (request) => wrapWith(bwrap, request),
  };
}

/** The `bwrap` arguments up to (not including) `--`: namespaces and mounts. */
export function sandboxArguments(request: PrepareRequest): string[] {
  const args = ['--unshare-all', ...(request.policy.network ? ['--share-net'] : []), '--die-with-parent', '--cap-drop', 'ALL'];
  args.push('--ro-bind', '/usr', '/usr');
  for (const dir of ROOT_DIRS) {
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat?.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  // Parents before children, so a folder mounted inside another stays visible.
  const readOnly = [...interpreterPaths(request.python), request.runtimeDir, request.buildDir];
  const writable = request.writable ?? [];
  const binds = [
    ...readOnly.map((p) => ['--ro-bind', p, p]),
    ...request.policy.paths.map((p) => ['--ro-bind-try', p, p]),
  ]
    .filter((bind) => !writable.some((w) => isWithin(bind[1], w)))
    .concat(writable.map((p) => ['--bind', p, p]))
    .concat(privateTmpTops(writable).map((p) => ['--tmpfs', p]))
    .sort((a, b) => depth(a[1]) - depth(b[1]));
  for (const bind of binds) args.push(...bind);
  // A process that may write (a candidate's build step) must not write into the sandbox's own
  // root either: it would seem to succeed in `.slipway/` (the parent of its deps folder, made as a
  // mount point). Only the writable folders and /tmp stay writable. Replicas add mounts after
  // these arguments (their socket folder), so their root stays as it was.
  // A writable folder under /tmp (tests' repositories) sits in the private /tmp, itself writable:
  // its top folder there is an empty tmpfs, made read-only too.
  if (writable.length > 0) args.push('--remount-ro', '/', ...privateTmpTops(writable).flatMap((p) => ['--remount-ro', p]));
  args.push('--chdir', request.buildDir);
  return args;
}

function wrapWith(bwrap: string, request: PrepareRequest): Wrap {
  const sandboxArgs = sandboxArguments(request);
  const hostPython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : request.python;
  return (command: LaunchCommand): LaunchCommand => {
    const env = {
      ...command.env,
      // The daemon's $HOME is not in the sandbox (a HOME the deployment sets is kept); the private
      // /tmp is where a model may write.
      HOME: command.env.HOME !== undefined && command.env.HOME !== process.env.HOME ? command.env.HOME : '/tmp',
      TMPDIR: command.env.TMPDIR ?? '/tmp',
      // In its own pid namespace the replica's parent is the sandbox's init, not the supervisor;
      // bwrap's --die-with-parent stops it when the supervisor goes.
      SLIPWAY_PARENT_PID: '',
    };
    const inner = [command.command, ...command.args];
    const prebound = (kind: string, where: string, args: string[]): LaunchCommand => ({
      command: hostPython,
      args: ['-I', '-S', '-c', PREBIND, kind, where, bwrap, ...sandboxArgs, '--', ...args, '--listen-fd', '{listen-fd}'],
      env,
      cwd: command.cwd,
    });
    if (command.socketFolder !== undefined) {
      const folder = command.socketFolder;
      return { command: bwrap, args: [...sandboxArgs, '--bind', folder, folder, '--', ...inner], env, cwd: command.cwd };
    }
    const socketPath = valueOf(command.args, '--socket');
    // `--socket` stays: the runtime announces that path as where it is ready.
    if (socketPath !== null) return prebound('unix', socketPath, inner);
    const host = valueOf(command.args, '--host');
    if (request.policy.network || host === null) return { command: bwrap, args: [...sandboxArgs, '--', ...inner], env, cwd: command.cwd };
    return prebound('tcp', host, dropOption(dropOption(inner, '--host'), '--port'));
  };
}

function valueOf(args: string[], option: string): string | null {
  const index = args.indexOf(option);
  return index === -1 ? null : (args[index + 1] ?? null);
}

function dropOption(args: string[], option: string): string[] {
  const index = args.indexOf(option);
  return index === -1 ? args : [...args.slice(0, index), ...args.slice(index + 2)];
}

/** `/tmp/<first>` of each writable folder inside /tmp, which the sandbox makes private. */
function privateTmpTops(writable: string[]): string[] {
  const tops = writable.filter((p) => isWithin(p, '/tmp') && path.resolve(p) !== '/tmp').map((p) => path.join('/tmp', path.relative('/tmp', path.resolve(p)).split(path.sep)[0]));
  return [...new Set(tops)].filter((top) => !writable.some((w) => path.resolve(w) === top));
}

function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function depth(p: string): number {
  return path.resolve(p).split(path.sep).length;
}
