// The running daemon for the repository around the working directory, or a clear error.
import { findDaemon, type AdminClient } from '../daemon/admin-client.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';

export async function requireDaemon(file?: string): Promise<{ ws: Workspace; client: AdminClient }> {
  const ws = await openWorkspace({ file, needModels: file !== undefined });
  const client = findDaemon(ws.root);
  if (!client) throw new CliError(`no Slipway daemon is running for ${ws.root} (start one with \`slipway up -d\`)`);
  return { ws, client };
}
