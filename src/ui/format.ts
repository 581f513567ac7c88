// How numbers and times read on the dashboard's pages.

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '—';
  const p = (part / whole) * 100;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Total of Kubernetes-style quantities: cpu "500m" / "2", memory "512Mi" / "1Gi" / "1G". */
export function cpuCores(value: string | null): number {
  if (!value) return 0;
  return value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value) || 0;
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

export function memoryBytes(value: string | null): number {
  if (!value) return 0;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(value);
  if (!m) return 0;
  return Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1);
}

export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : v.toFixed(0)} ${units[i]}`;
}
