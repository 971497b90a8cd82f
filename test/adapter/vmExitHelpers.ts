// Helpers for the VM-exit tests: samples by name, and a launch with exception filters set
// during configuration.
import { resolve } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { HyperscopeClient } from './client';

export const sample = (name: string): string => resolve(__dirname, '..', '..', 'samples', name);

/** initialize + launch with exception filters set during configuration; resolves with the first stop or exit. */
export async function launchWithFilters(client: HyperscopeClient, args: Record<string, unknown>, filters: string[], filterOptions: DebugProtocol.ExceptionFilterOptions[] = []): Promise<{ stop?: DebugProtocol.StoppedEvent; exitCode?: number; breakpoints: DebugProtocol.Breakpoint[] }> {
  const first = Promise.race([
    (client.waitForEvent('stopped', 10_000) as Promise<DebugProtocol.StoppedEvent>).then((stop) => ({ stop })),
    client.waitForEvent('exited', 10_000).then((e) => ({ exitCode: (e as DebugProtocol.ExitedEvent).body.exitCode })),
  ]);
  let breakpoints: DebugProtocol.Breakpoint[] = [];
  await Promise.all([
    client.waitForEvent('initialized').then(async () => {
      breakpoints = (await client.setExceptionBreakpointsRequest({ filters, filterOptions })).body?.breakpoints ?? [];
      await client.configurationDoneRequest();
    }),
    client.launch(args),
  ]);
  return { ...(await first), breakpoints };
}
