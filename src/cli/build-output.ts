// How a build's own output reaches the terminal, once. On a TTY each line is shown as it comes,
// under a progress line (`building iris #3 · 0:42 · installing requirements`) redrawn in place;
// elsewhere (CI logs, pipes) nothing is streamed, and a failed build's tail appears once, in the
// apply summary.
import type { BuildLog } from '../apply/ensure-build.ts';

export type BuildOutput = {
  /** Give to apply as its `buildLog`. */
  onBuild: BuildLog;
  /** Writes one of apply's own lines, keeping the progress line below it. */
  onLog: (line: string) => void;
  /** Whether build lines were shown as they came (then the summary leaves the tail out). */
  readonly streamed: boolean;
  /** Clears the progress line. */
  done: () => void;
};

export type BuildOutputOptions = {
  /** Show build lines as they come (a terminal, or a log file that keeps everything). */
  tty: boolean;
  /** Draw the progress line (only where a terminal redraws it); default: `tty`. */
  progress?: boolean;
  write: (text: string) => void;
  /** Milliseconds now; injected so tests need no clock. */
  now?: () => number;
  /** How apply's own lines are written (default: indented by two spaces). */
  formatLog?: (line: string) => string;
};

/** A presenter for one apply's output. */
export function createBuildOutput(opts: BuildOutputOptions): BuildOutput {
  const now = opts.now ?? Date.now;
  const formatLog = opts.formatLog ?? ((line: string) => `  ${line}\n`);
  let progress: { label: string; startedAt: number; step: string } | null = null;
  let shown = '';
  let ticker: NodeJS.Timeout | null = null;

  const clear = () => {
    if (shown) opts.write('\r\x1b[2K');
    shown = '';
  };
  const drawsProgress = opts.progress ?? opts.tty;
  const draw = () => {
    if (!progress || !drawsProgress) return;
    const line = progressLine(progress.label, now() - progress.startedAt, progress.step);
    clear();
    opts.write(line);
    shown = line;
  };
  const stop = () => {
    clear();
    progress = null;
    if (ticker) clearInterval(ticker);
    ticker = null;
  };

  return {
    streamed: opts.tty,
    onBuild(model, number, line) {
      if (!opts.tty) return;
      if (!drawsProgress) {
        opts.write(formatLog(`${model} #${number} | ${line}`));
        return;
      }
      const label = `building ${model} #${number}`;
      if (progress?.label !== label) {
        stop();
        progress = { label, startedAt: now(), step: '' };
        // The elapsed time moves even while a step (pip) prints nothing.
        if (drawsProgress) {
          ticker = setInterval(draw, 1000);
          ticker.unref();
        }
      }
      clear();
      opts.write(`    | ${line}\n`);
      progress.step = line;
      draw();
    },
    onLog(line) {
      // Apply writes its own lines before and after a build, never during one: the build is over.
      stop();
      opts.write(formatLog(line));
    },
    done: stop,
  };
}

/** `building iris #3 · 1:05 · Collecting numpy` (the step cut to fit 100 columns). */
export function progressLine(label: string, elapsedMs: number, step: string): string {
  const seconds = Math.floor(elapsedMs / 1000);
  const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  const head = `${label} · ${clock}`;
  const room = 100 - head.length - 3;
  const shortStep = step.length > room ? `${step.slice(0, Math.max(room - 1, 0))}…` : step;
  return shortStep ? `${head} · ${shortStep}` : head;
}
