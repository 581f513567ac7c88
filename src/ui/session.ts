// Dashboard sessions: an opaque id in an HttpOnly, SameSite=Strict cookie, and a CSRF token per
// session that every state-changing request must echo (form field `csrf` or header
// `x-csrf-token`). Held in memory by the sha256 of their id; the daemon saves them (`saved()`:
// hashes and principals without their API key, never a cookie value) so a restart keeps people
// logged in.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who a session is. An API key's `key` is kept in memory for the test widget's calls; a session
 * restored after a restart has it null (the key is never saved).
 */
export type Principal = { kind: 'admin' } | { kind: 'api-key'; id: number; name: string; prefix: string; models: string[] | null; key: string | null };

/** `id` is the cookie's value (known from the request for a restored session). */
export type Session = { id: string; csrf: string; principal: Principal; lastSeenMs: number };

/** A session as saved: the sha256 of its id, never the id. */
export type SavedSession = { idHash: string; csrf: string; principal: Principal; lastSeenMs: number };

const hashId = (id: string): string => createHash('sha256').update(id).digest('base64url');

export const SESSION_COOKIE = 'slipway_session';
export const LOGIN_COOKIE = 'slipway_login';
/** A session unused this long is forgotten. */
const IDLE_MS = 12 * 3_600_000;

export function sameSecret(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** `Set-Cookie` value: HttpOnly, SameSite=Strict, whole site; `maxAge` 0 deletes it. */
export function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict${maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

export type Sessions = {
  create(principal: Principal, nowMs: number): Session;
  /** The session of a cookie header, or null (unknown, or idle too long). */
  find(cookieHeader: string | undefined, nowMs: number): Session | null;
  end(id: string): void;
  /** Ends every session of an API key (on revoke). */
  endKey(id: number): void;
  /** Every session as it can be saved: API keys left out of the principals. */
  saved(): SavedSession[];
};

/**
 * Sessions, starting with `restored` ones (saved by an earlier daemon). `changed` is called after a
 * session is created or ended, with what to save.
 */
export function createSessions(opts: { restored?: readonly SavedSession[]; changed?: (saved: SavedSession[]) => void } = {}): Sessions {
  const byHash = new Map<string, Session>();
  for (const r of opts.restored ?? []) {
    const principal: Principal = r.principal.kind === 'api-key' ? { ...r.principal, key: null } : r.principal;
    byHash.set(r.idHash, { id: '', csrf: r.csrf, principal, lastSeenMs: r.lastSeenMs });
  }
  const saved = (): SavedSession[] =>
    [...byHash].map(([idHash, s]) => ({
      idHash, csrf: s.csrf, lastSeenMs: s.lastSeenMs,
      principal: s.principal.kind === 'api-key' ? { ...s.principal, key: null } : s.principal,
    }));
  const changed = () => opts.changed?.(saved());
  return {
    create(principal, nowMs) {
      const session = { id: randomBytes(24).toString('base64url'), csrf: randomBytes(24).toString('base64url'), principal, lastSeenMs: nowMs };
      byHash.set(hashId(session.id), session);
      changed();
      return session;
    },
    find(header, nowMs) {
      const id = parseCookies(header).get(SESSION_COOKIE);
      if (!id) return null;
      const hash = hashId(id);
      const session = byHash.get(hash);
      if (!session) return null;
      if (nowMs - session.lastSeenMs > IDLE_MS) {
        byHash.delete(hash);
        changed();
        return null;
      }
      session.id = id;
      session.lastSeenMs = nowMs;
      return session;
    },
    end(id) {
      if (byHash.delete(hashId(id))) changed();
    },
    endKey(id) {
      let ended = false;
      for (const [hash, s] of byHash) {
        if (s.principal.kind === 'api-key' && s.principal.id === id) ended = byHash.delete(hash) || ended;
      }
      if (ended) changed();
    },
    saved,
  };
}
