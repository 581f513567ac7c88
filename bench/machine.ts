// One line naming the machine a benchmark ran on, for bench/RESULTS.md.
import os from 'node:os';

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const gib = (os.totalmem() / 2 ** 30).toFixed(0);
  return `Machine: ${os.cpus().length} × ${cpu}, ${gib} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`;
}
