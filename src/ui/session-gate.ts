// The one check every dashboard route but login and assets goes through, on the daemon and on the
// in-cluster gateway alike: a live session whose principal is still valid, or the answer a
// request without one gets (a redirect to the login for pages, 401 JSON for the APIs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json } from './http-answers.ts';
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
