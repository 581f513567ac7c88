// The build log: every line timestamped, written to `<number>.log` and streamed to the caller,
// with the last lines kept in memory for the error tail of a failed build.
import { createWriteStream, type WriteStream } from 'node:fs';

const TAIL_LINES = 20;

export type BuildLog = {
  path: string;
  /** Writes one line (no newline), timestamped. */
  line(text: string): void;
  /** The last lines written, joined with newlines. */
  tail(): string;
  close(): Promise<void>;
};

/** Opens (truncating) the log at `path`; `forward` receives each line as written. */
export function openBuildLog(path: string, forward?: (line: string) => void): BuildLog {
  const stream: WriteStream = createWriteStream(path, { flags: 'w' });
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure = error;
  });
  const recent: string[] = [];
  return {
    path,
    line(text) {
      const stamped = `${new Date().toISOString()} ${text}`;
      if (failure === null) stream.write(`${stamped}\n`);
      recent.push(stamped);
      if (recent.length > TAIL_LINES) recent.shift();
      try {
        forward?.(stamped);
      } catch {
        // A listener that fails must not fail the build; the file still has the line.
      }
    },
    tail: () => recent.join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        if (failure !== null) resolve();
        else stream.end(() => resolve());
      }),
  };
}
