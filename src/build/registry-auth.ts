// Registry credentials for buildah and skopeo, as a containers-auth.json file (mode 0600) passed
// with --authfile: never on a command line, where `ps` would show them, and never in a log.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryHost } from './image-ref.ts';

export type RegistryCredentials = { username: string; password: string };

export type AuthFile = { path: string; remove(): Promise<void> };

/** An auth file for the registry of `reference`; remove it when the build is done. */
export async function writeAuthFile(reference: string, credentials: RegistryCredentials): Promise<AuthFile> {
  const folder = await mkdtemp(join(tmpdir(), 'slipway-auth-'));
  const path = join(folder, 'auth.json');
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  await writeFile(path, JSON.stringify({ auths: { [registryHost(reference)]: { auth } } }), { mode: 0o600 });
  await chmod(path, 0o600);
  return { path, remove: () => rm(folder, { recursive: true, force: true }) };
}
