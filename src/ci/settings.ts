// One typed settings object for a CI run, made from the CLI's flags or the Action's inputs (both
// strings) and the environment the CI system sets. The two doors differ only in where the strings
// come from; what they mean and how they are checked is here.

export const CI_COMMANDS = ['auto', 'plan', 'apply', 'reconcile', 'test'] as const;
export type CiCommand = (typeof CI_COMMANDS)[number];

export type CiSettings = {
  command: CiCommand;
  /** The models file as given (relative to `cwd`), or null for the nearest models.yaml. */
  file: string | null;
  backend: string;
  /** The GitHub token, or null: then nothing is posted to GitHub. Never printed. */
  token: string | null;
  failOnDrift: boolean;
  /** The gateway's public URL for the curl in reports; null: the daemon's own. */
  gatewayUrl: string | null;
  /** Port of a daemon this run starts (apply, reconcile). */
  port: number;
  /** Apply only the plan with this fingerprint (the `plan-fingerprint` output of the run someone reviewed); null: any. */
  planFingerprint: string | null;
  eventName: string | null;
  eventPath: string | null;
  cwd: string;
  github: GitHubEnvironment;
  /** Run candidates without a sandbox where none can be made (never the default). */
  unsafeCandidates: boolean;
};

export type GitHubEnvironment = {
  /** REST API base: `GITHUB_API_URL`, default `https://api.github.com`. */
  apiUrl: string;
  /** `owner/name` from `GITHUB_REPOSITORY`, or null outside GitHub Actions. */
  repository: string | null;
  /** Link to this run's page, when the runner says where it is. */
  runUrl: string | null;
  /** `GITHUB_SHA`: the commit the workflow runs on. */
  sha: string | null;
};

/** The settings as strings, the way flags and inputs arrive; empty strings count as not given. */
export type RawSettings = {
  command?: string;
  file?: string;
  backend?: string;
  token?: string;
  failOnDrift?: string | boolean;
  gatewayUrl?: string;
  port?: string;
  planFingerprint?: string;
  eventName?: string;
  eventPath?: string;
  cwd?: string;
  unsafeCandidates?: string | boolean;
};

export type SettingsResult = { ok: true; settings: CiSettings } | { ok: false; message: string };

/** Checks `raw` and fills in from `env` (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_TOKEN, …). */
export function resolveSettings(raw: RawSettings, env: NodeJS.ProcessEnv): SettingsResult {
  const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? null : value.trim());
  const command = given(raw.command) ?? 'auto';
  if (!(CI_COMMANDS as readonly string[]).includes(command)) {
    return { ok: false, message: `command is "${command}"; expected one of ${CI_COMMANDS.join(', ')}` };
  }
  const failOnDrift = parseBoolean(raw.failOnDrift);
  if (failOnDrift === null) return { ok: false, message: `fail-on-drift is "${String(raw.failOnDrift)}"; expected true or false` };
  const unsafeCandidates = parseBoolean(raw.unsafeCandidates);
  if (unsafeCandidates === null) return { ok: false, message: `unsafe-candidates is "${String(raw.unsafeCandidates)}"; expected true or false` };
  const portText = given(raw.port) ?? '8700';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { ok: false, message: `port is "${portText}"; expected a TCP port number (0 picks a free one)` };
  const gatewayUrl = given(raw.gatewayUrl);
  if (gatewayUrl !== null && !/^https?:\/\/[^\s/]+/.test(gatewayUrl)) {
    return { ok: false, message: `gateway-url is "${gatewayUrl}"; expected an http(s) URL such as https://models.example.com` };
  }
  const planFingerprint = given(raw.planFingerprint);
  if (planFingerprint !== null && !/^[0-9a-f]{64}$/.test(planFingerprint)) {
    return { ok: false, message: `plan-fingerprint is "${planFingerprint}"; expected the 64 hex digits of a plan run's plan-fingerprint output` };
  }
  const repository = given(env.GITHUB_REPOSITORY);
  const serverUrl = given(env.GITHUB_SERVER_URL) ?? 'https://github.com';
  const runId = given(env.GITHUB_RUN_ID);
  return {
    ok: true,
    settings: {
      command: command as CiCommand,
      file: given(raw.file),
      backend: given(raw.backend) ?? 'local',
      token: given(raw.token) ?? given(env.GITHUB_TOKEN),
      failOnDrift,
      gatewayUrl: gatewayUrl?.replace(/\/+$/, '') ?? null,
      port,
      planFingerprint,
      eventName: given(raw.eventName) ?? given(env.GITHUB_EVENT_NAME),
      eventPath: given(raw.eventPath) ?? given(env.GITHUB_EVENT_PATH),
      cwd: given(raw.cwd) ?? process.cwd(),
      unsafeCandidates,
      github: {
        apiUrl: given(env.GITHUB_API_URL) ?? 'https://api.github.com',
        repository,
        runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : null,
        sha: given(env.GITHUB_SHA),
      },
    },
  };
}

/** `true`/`false` (any case), a boolean, or nothing (false); null for anything else. */
function parseBoolean(value: string | boolean | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  return null;
}
