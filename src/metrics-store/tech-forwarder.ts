// The in-cluster gateway's technical samples, sent to the metrics store (`POST /tech`), which folds
// them into its rows and applies retention. Sends go one after another, off the call path: a slow
// or absent store delays samples, never calls. A store that is down loses the samples of that
// time; the gateway says so once per outage, not every 10 s.
import type { TechSink } from '../telemetry/sampler.ts';
import type { TechWrite } from './tech-rows.ts';

export type TechForwarder = TechSink & {
  /** Settles once every sample written so far was sent (or failed). */
  flush(): Promise<void>;
};

export function createTechForwarder(opts: { url: string; token: string; log: (line: string) => void }): TechForwarder {
  let chain: Promise<void> = Promise.resolve();
  let failing = false;
  async function send(atMs: number, samples: TechWrite[]): Promise<void> {
    try {
      const answer = await fetch(`${opts.url}/tech`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ atMs, samples }),
      });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
      if (failing) opts.log('metrics store: technical samples are stored again');
      failing = false;
    } catch (error) {
      if (!failing) opts.log(`metrics store: cannot store technical samples (${(error as Error).message}); charts miss this time`);
      failing = true;
    }
  }
  return {
    write(atMs, samples) {
      if (samples.length === 0) return;
      chain = chain.then(() => send(atMs, samples));
    },
    flush: () => chain,
  };
}
