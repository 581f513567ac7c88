// Asks a registry about one image with `skopeo inspect`, without pulling it. The buildah builder
// uses it to skip a build whose tag (its build key) is already there; tests use it to read labels
// and layers.
import { execFile } from 'node:child_process';
import { cancelReason, overLimit, stepLimitSeconds } from './step-limits.ts';

export type RemoteImage = {
  /** The manifest digest, `sha256:…`. */
  digest: string;
  labels: Record<string, string>;
  /** Layer digests, base first. */
  layers: string[];
};

export type InspectResult =
  | { found: true; image: RemoteImage }
  | { found: false }
  /** The registry could not say (unreachable, refused credentials): neither present nor absent. */
  | { found: null; message: string };

export type InspectOptions = {
  tlsVerify: boolean;
  skopeo?: string;
  /** `--authfile <path>` for a registry that needs credentials. */
  authArgs?: string[];
  /** Time limit in seconds; default per step-limits.ts. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
};

// What registries answer for a tag or repository that does not exist.
const ABSENT = /manifest unknown|name unknown|not found|404/i;

/** Looks `reference` (`host:port/repo:tag`) up in its registry. */
export function inspectImage(reference: string, options: InspectOptions): Promise<InspectResult> {
  const args = ['inspect', '--no-tags', `--tls-verify=${options.tlsVerify}`, ...(options.authArgs ?? []), `docker://${reference}`];
  const seconds = stepLimitSeconds('skopeo', options.timeoutSeconds);
  return new Promise((resolve) => {
    const settings = { maxBuffer: 16 << 20, encoding: 'utf8' as const, timeout: seconds * 1000, killSignal: 'SIGKILL' as const, signal: options.signal };
    execFile(options.skopeo ?? 'skopeo', args, settings, (error, stdout, stderr) => {
      if (error !== null) {
        const text = `${stderr}`.trim() || error.message;
        if (options.signal?.aborted) {
          resolve({ found: null, message: `skopeo inspect was cancelled: ${cancelReason(options.signal)}` });
        } else if (error.killed) {
          resolve({ found: null, message: `skopeo inspect ${overLimit(seconds)}` });
        } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({ found: null, message: 'skopeo is not installed (apt-get install skopeo)' });
        } else if (ABSENT.test(text) && !/connection refused|no such host|timeout/i.test(text)) {
          resolve({ found: false });
        } else {
          resolve({ found: null, message: lastLine(text) });
        }
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as { Digest?: string; Labels?: Record<string, string> | null; Layers?: string[] | null };
        if (typeof parsed.Digest !== 'string') throw new Error('no Digest in the answer');
        resolve({ found: true, image: { digest: parsed.Digest, labels: parsed.Labels ?? {}, layers: parsed.Layers ?? [] } });
      } catch (parseError) {
        resolve({ found: null, message: `skopeo inspect gave an answer that is not an image description: ${(parseError as Error).message}` });
      }
    });
  });
}

/** skopeo's fatal line is long and nested; its message is the part worth quoting. */
function lastLine(text: string): string {
  const line = text.split('\n').filter((part) => part.trim() !== '').pop() ?? text;
  const message = /msg="(.*)"\s*$/.exec(line);
  return (message ? message[1]! : line).replace(/\\"/g, '"');
}
