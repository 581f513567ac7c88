// The one check every dashboard route but login and assets goes through, on the daemon and on the
// in-cluster gateway alike: a live session whose principal is still valid, or the answer a
// request without one gets (a redirect to the login for pages, 401 JSON for the APIs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readForm } from './http-answers.ts';
import { cookie, sameSecret, SESSION_COOKIE } from './session.ts';
import type { Principal, Session, Sessions } from './session.ts';

/** The session of the request, or null once the request has been answered. */
export function requireSession(
  sessions: Sessions,
  stillValid: (principal: Principal, now: number) => boolean,
  now: number,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Session | null {
  const session = sessions.find(req.headers.cookie, now);
  if (session && stillValid(session.principal, now)) return session;
  if (session) sessions.end(session.id);
  if (req.method === 'GET' && !url.pathname.startsWith('/ui/api/')) {
    res.writeHead(303, { location: `/login?next=${encodeURIComponent(url.pathname)}`, 'cache-control': 'no-store' }).end();
  } else {
    json(res, 401, { error: 'log in first: the dashboard needs a session (POST /login with an API key or the admin token)' });
  }
  return null;
}

/**
 * GET passes; a POST must echo the session's CSRF token (form field or `x-csrf-token` header) and
 * gets its form read; anything else is 405. Null once the request has been answered.
 */
export async function checkMethod(req: IncomingMessage, res: ServerResponse, session: Session): Promise<{ form: Map<string, string> | null } | null> {
  if (req.method === 'GET') return { form: null };
  if (req.method !== 'POST') {
    json(res, 405, { error: 'use GET or POST' });
    return null;
  }
  const isJson = (req.headers['content-type'] ?? '').startsWith('application/json');
  const headerToken = req.headers['x-csrf-token'];
  const form = isJson ? null : await readForm(req);
  const presented = typeof headerToken === 'string' ? headerToken : (form?.get('csrf') ?? null);
  if (!sameSecret(presented, session.csrf)) {
    json(res, 403, { error: 'missing or wrong CSRF token; reload the page' });
    return null;
  }
  return { form };
}

/** `POST /logout`: ends the session and sends the browser to the login. */
export function logOut(res: ServerResponse, sessions: Sessions, session: Session): void {
  sessions.end(session.id);
  res.writeHead(303, { location: '/login', 'set-cookie': cookie(SESSION_COOKIE, '', 0) }).end();
}
