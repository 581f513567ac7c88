// A closed-loop load client: N connections, each sending the next call as soon as the last one
// answered, until stopped. Every answer is checked and counted into the current phase, so a
// benchmark can say which step (a rebuild, a reconfigure…) a failure happened in.
import { Agent, request } from 'undici';

export type PhaseCounts = {
  phase: string;
  calls: number;
  ok: number;
  /** Answers other than 2xx, by `<status> <errorCode>`. */
  non2xx: Record<string, number>;
  /** Calls with no HTTP answer, by error code (ECONNRESET, UND_ERR_SOCKET…). */
  connectionErrors: Record<string, number>;
  /** 2xx answers whose body was not the expected response. */
  wrongAnswers: number;
  /** Calls answered by each deployment (from the ReplicaID `<model>-<build>-<deployment>-<rand>`). */
  byDeployment: Record<string, number>;
  latenciesMs: number[];
  startedAt: number;
  endedAt: number;
};

export type LoadLoop = {
  /** Counts what follows into a new phase named `name`. */
  phase(name: string): void;
  /** Stops sending, waits for calls in flight, and returns the phases in order. */
  stop(): Promise<PhaseCounts[]>;
};

function newPhase(phase: string): PhaseCounts {
  return { phase, calls: 0, ok: 0, non2xx: {}, connectionErrors: {}, wrongAnswers: 0, byDeployment: {}, latenciesMs: [], startedAt: performance.now(), endedAt: 0 };
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * Starts `connections` loops POSTing `body` to `url`; `expected` is the `response` field every
 * success must carry. Generous hang guards (not thresholds): a stuck call shows as an error.
 */
export function startLoad(url: string, body: string, expected: unknown, connections: number, firstPhase = 'steady'): LoadLoop {
  const agent = new Agent({ connections, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const phases: PhaseCounts[] = [newPhase(firstPhase)];
  let running = true;
  const one = async (): Promise<void> => {
    const phase = phases[phases.length - 1];
    const t0 = performance.now();
    try {
      const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const text = await res.body.text();
      phase.calls++;
      phase.latenciesMs.push(performance.now() - t0);
      let parsed: { response?: unknown; errorCode?: string; ReplicaID?: string } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        // Counted below as a wrong answer or a non-2xx.
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        bump(phase.non2xx, `${res.statusCode} ${parsed.errorCode ?? ''}`.trim());
      } else if (JSON.stringify(parsed.response) !== JSON.stringify(expected)) {
        phase.wrongAnswers++;
      } else {
        phase.ok++;
        const deployment = /^.+-(\d+)-(\d+)-[a-z0-9]+$/.exec(parsed.ReplicaID ?? '');
        bump(phase.byDeployment, deployment ? `build #${deployment[1]} / deployment #${deployment[2]}` : 'unknown');
      }
    } catch (error) {
      phase.calls++;
      bump(phase.connectionErrors, String((error as { code?: string }).code ?? (error as Error).message));
    }
  };
  const loops = Array.from({ length: connections }, async () => {
    while (running) await one();
  });
  return {
    phase(name) {
      phases[phases.length - 1].endedAt = performance.now();
      phases.push(newPhase(name));
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      phases[phases.length - 1].endedAt = performance.now();
      await agent.close();
      return phases;
    },
  };
}
