// What the CLI prints for an error that reached its entry point: one line saying what went wrong
// and, where there is one, a second saying what to do. The stack trace only with --debug. Errors
// are recognized by their codes (Node's errno codes, undici's), never by parsing message text.
import { CliError } from './cli-error.ts';

/** The lines to print for `error` (each ends with a newline). */
export function errorReport(error: unknown, opts: { debug: boolean }): string {
  const { message, hint } = describe(error);
  const lines = [`slipway: ${message}`];
  if (hint) lines.push(`hint: ${hint}`);
  if (opts.debug && error instanceof Error && error.stack) lines.push(error.stack);
  else if (!(error instanceof CliError)) lines.push('(run again with --debug for the stack trace)');
  return `${lines.join('\n')}\n`;
}

type Described = { message: string; hint: string | null };

const SQLITE_FULL = 13;

function describe(error: unknown): Described {
  if (error instanceof CliError) return { message: error.message, hint: null };
  if (!(error instanceof Error)) return { message: String(error), hint: null };
  const code = errorCode(error);
  const where = pathOf(error);
  // node:sqlite reports SQLite's own result code: 13 is SQLITE_FULL (the disk, for the store).
  if (code === 'ERR_SQLITE_ERROR' && (error as { errcode?: unknown }).errcode === SQLITE_FULL) {
    return { message: 'no space left on the device for the store (.slipway/state.db)', hint: 'free some disk space, then run the command again' };
  }
  switch (code) {
    case 'ENOSPC':
      return { message: `no space left on the device${where ? ` (writing ${where})` : ''}`, hint: 'free some disk space, then run the command again' };
    case 'EACCES':
    case 'EPERM':
      return { message: `permission denied${where ? `: ${where}` : ''}`, hint: 'check who owns the file or folder, or run as its owner' };
    case 'EROFS':
      return { message: `read-only file system${where ? `: ${where}` : ''}`, hint: null };
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return {
        message: `lost the connection to the Slipway daemon (${code})`,
        hint: 'it may have stopped: see .slipway/daemon.log, then `slipway up -d` (or `slipway apply`) starts it again',
      };
  }
  return { message: firstLine(error.message), hint: null };
}

/** The errno or undici code of an error or of what caused it (fetch wraps socket errors in `cause`). */
function errorCode(error: Error): string | null {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function pathOf(error: Error): string | null {
  const file = (error as { path?: unknown }).path;
  return typeof file === 'string' ? file : null;
}

function firstLine(text: string): string {
  return text.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n').trim() || 'unknown error';
}
