// Capture settings on a cluster: every apply writes each model's `capture` (models.yaml) into the
// `slipway-capture` ConfigMap, changed models or not, as the local apply saves them into its store
// (changing them redeploys nothing); the in-cluster gateway reads it every few seconds. A
// ConfigMap, not a Deployment annotation: settings of a model whose deployment is unchanged change too.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { CaptureSettings, Spec } from '../../spec/types.ts';
import { captureSettingsOf } from '../../capture/save-settings.ts';
import type { KubeApi } from './kube-api.ts';
import { label, MANAGED_BY } from './names.ts';

export const CAPTURE_SETTINGS_CONFIGMAP = 'slipway-capture';
const KEY = 'settings.json';

/** The ConfigMap holding `spec`'s capture settings (an empty object: nothing is captured). */
export function captureSettingsConfigMap(spec: Spec, namespace: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CAPTURE_SETTINGS_CONFIGMAP, namespace, labels: { [label.partOf]: spec.project, [label.managedBy]: MANAGED_BY, [label.component]: 'capture-settings' } },
    data: { [KEY]: JSON.stringify(Object.fromEntries(captureSettingsOf(spec))) },
  };
}

/** Writes `spec`'s capture settings for the namespace's gateways (server-side apply). */
export async function saveClusterCaptureSettings(api: KubeApi, spec: Spec): Promise<void> {
  await api.apply(captureSettingsConfigMap(spec, api.namespace));
}

/** The settings the ConfigMap holds; entries that are not what Slipway writes (edited by hand) are left out and named. */
export function parseCaptureSettings(configMap: V1ConfigMap | null): { settings: Map<string, CaptureSettings>; invalid: string[] } {
  const settings = new Map<string, CaptureSettings>();
  const invalid: string[] = [];
  let data: unknown = {};
  try {
    data = JSON.parse(configMap?.data?.[KEY] ?? '{}');
  } catch {
    return { settings, invalid: [`${KEY} is not JSON`] };
  }
  for (const [model, value] of Object.entries((data ?? {}) as Record<string, unknown>)) {
    const s = value as Partial<CaptureSettings> | null;
    const ok = typeof s === 'object' && s !== null && typeof s.sample === 'number' && s.sample >= 0 && s.sample <= 1
      && Number.isSafeInteger(s.maxPerDay) && typeof s.retentionDays === 'number' && s.retentionDays > 0
      && Array.isArray(s.redact) && s.redact.every((p) => typeof p === 'string');
    if (ok) settings.set(model, s as CaptureSettings);
    else invalid.push(model);
  }
  return { settings, invalid };
}

export type CaptureSettingsReader = {
  /** The settings as last read. */
  current(): Map<string, CaptureSettings>;
  /** Reads the ConfigMap now. */
  refresh(): Promise<void>;
  stop(): void;
};

/** Reads the ConfigMap at once and every `intervalMs` (0: only on `refresh`); a failed read keeps the last settings. */
export function startCaptureSettingsReader(opts: { api: KubeApi; log: (line: string) => void; intervalMs: number; onChange?: (settings: Map<string, CaptureSettings>) => void }): CaptureSettingsReader {
  let settings = new Map<string, CaptureSettings>();
  let said = '';
  let failing = false;
  async function refresh(): Promise<void> {
    try {
      const parsed = parseCaptureSettings(await opts.api.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', name: CAPTURE_SETTINGS_CONFIGMAP }));
      const invalid = parsed.invalid.join(', ');
      if (invalid !== '' && invalid !== said) opts.log(`capture settings of ${invalid} in ConfigMap ${CAPTURE_SETTINGS_CONFIGMAP} are not what Slipway writes: not captured (run \`slipway apply\` again)`);
      said = invalid;
      failing = false;
      settings = parsed.settings;
      opts.onChange?.(settings);
    } catch (error) {
      if (!failing) opts.log(`cannot read capture settings (ConfigMap ${CAPTURE_SETTINGS_CONFIGMAP}): ${(error as Error).message}; the last ones stay`);
      failing = true;
    }
  }
  const timer = opts.intervalMs > 0 ? setInterval(() => void refresh(), opts.intervalMs).unref() : null;
  return { current: () => settings, refresh, stop: () => timer && clearInterval(timer) };
}
