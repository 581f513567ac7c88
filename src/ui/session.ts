// Dashboard sessions: in the daemon's memory only (a restart logs everyone out), an opaque id in
// an HttpOnly, SameSite=Strict cookie, and a CSRF token per session that every state-changing
// request must echo (form field `csrf` or header `x-csrf-token`).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Principal = { kind: 'admin' } | { kind: 'api-key'; id: number; name: string; prefix: string; models: string[] | null; key: string };

export type Session = { id: string; csrf: string; principal: Principal; lastSeenMs: number };

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
};

export function createSessions(): Sessions {
  const byId = new Map<string, Session>();
  return {
    create(principal, nowMs) {
      const session = { id: randomBytes(24).toString('base64url'), csrf: randomBytes(24).toString('base64url'), principal, lastSeenMs: nowMs };
      byId.set(session.id, session);
      return session;
    },
    find(header, nowMs) {
      const id = parseCookies(header).get(SESSION_COOKIE);
      if (!id) return null;
      const session = byId.get(id);
      if (!session) return null;
      if (nowMs - session.lastSeenMs > IDLE_MS) {
        byId.delete(id);
        return null;
      }
      session.lastSeenMs = nowMs;
      return session;
    },
    end(id) {
      byId.delete(id);
    },
    endKey(id) {
      for (const [sid, s] of byId) if (s.principal.kind === 'api-key' && s.principal.id === id) byId.delete(sid);
    },
  };
}
