// Kubernetes quantities as models.yaml writes them (the schema has checked their shape already).

const MEMORY_SUFFIXES: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Bytes of a memory quantity (`512Mi`, `1G`, `1e9`, `2048`), or null when it is not one. */
export function memoryBytes(quantity: string): number | null {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(?:[eE](\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E))?$/.exec(quantity.trim());
  if (!match) return null;
  const base = Number(match[1]);
  const bytes = match[2] !== undefined ? base * 10 ** Number(match[2]) : base * (MEMORY_SUFFIXES[match[3] ?? ''] as number);
  return Math.ceil(bytes);
}

/** Cores of a CPU quantity (`1`, `0.5`, `500m`), or null when it is not one. */
export function cpuCores(quantity: string): number | null {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(quantity.trim());
  if (!match) return null;
  const value = Number(match[1]);
  return match[2] === 'm' ? value / 1000 : value;
}
