// Which TCP ports a process listens on, read from /proc as `ss -ltnp` would: the socket inodes
// among the process's open files, matched against /proc/net/tcp{,6} entries in LISTEN state.
import fs from 'node:fs';

const LISTEN = '0A';

/** The local `address:port` (hex, as /proc writes them) of every TCP socket `pid` listens on. */
export function tcpListeners(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1] as string);
  }
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (fields[3] === LISTEN && inodes.has(fields[9] as string)) found.push(fields[1] as string);
    }
  }
  return found;
}
