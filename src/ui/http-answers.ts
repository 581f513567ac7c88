// How the dashboard answers over HTTP: pages and JSON with security headers (a CSP that allows
// only this origin, no sniffing, no caching of pages), its static assets, and form bodies.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packagePath } from '../package-paths.ts';

// Found from the package root, so the sources and the Action's bundle (dist/) both find them.
const assetsDir = packagePath('src', 'ui', 'assets');
const require = createRequire(import.meta.url);
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'style.css': { file: () => path.join(assetsDir, 'style.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: () => path.join(assetsDir, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};
const MAX_FORM = 64 * 1024;

/** A redirect target after login: a path on this site, else `/`. */
export function safeNext(next: string | null): string {
  // `//evil.example` or `https://…` would send a fresh session elsewhere.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** Answers `/ui/assets/<name>` from the files shipped with Slipway. */
export function asset(res: ServerResponse, name: string): void {
  const entry = ASSETS[name];
  if (!entry) return send(res, 404, 'text/plain', 'no such asset');
  let body: Buffer;
  try {
    body = readFileSync(entry.file());
  } catch {
    return send(res, 404, 'text/plain', `asset ${name} is missing from this installation`);
  }
  res.writeHead(200, { 'content-type': entry.type, 'content-length': body.length, 'cache-control': 'max-age=300', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

export function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

export function html(res: ServerResponse, body: string, status = 200): void {
  send(res, status, 'text/html; charset=utf-8', body);
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

/** The body as text, or null past 64 KiB. */
export function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

export async function readForm(req: IncomingMessage): Promise<Map<string, string> | null> {
  const body = await readBody(req);
  return body === null ? null : new Map(new URLSearchParams(body));
}

/**
 * The test widget's call: POSTs `input` to the model through the gateway at `gatewayUrl`, and
 * answers the page with the status, the time it took and the body (JSON when it parses).
 */
export async function relayTestCall(res: ServerResponse, gatewayUrl: string, name: string, input: unknown, bearer: string | null): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  const started = performance.now();
  const answer = await fetch(`${gatewayUrl}/models/${encodeURIComponent(name)}`, { method: 'POST', headers, body: JSON.stringify(input ?? null) });
  const text = await answer.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Shown as text.
  }
  json(res, 200, { status: answer.status, ms: Number(ms.toFixed(2)), body });
}

/**
 * The test widget's input schema: `name`'s input in the OpenAPI document the gateway serves to
 * `bearer` (GET /openapi.json needs an API key and lists only the models it may call); null when
 * there is none, the key may not see it, or the gateway refused.
 */
export async function relayInputSchema(res: ServerResponse, gatewayUrl: string, name: string, bearer: string | null): Promise<void> {
  const answer = await fetch(`${gatewayUrl}/openapi.json`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  const doc = (await answer.json().catch(() => null)) as { components?: { schemas?: Record<string, unknown> } } | null;
  json(res, 200, { schema: (answer.ok ? doc?.components?.schemas?.[`${name}.input`] : undefined) ?? null });
}
