// One walk through DAP: the address of a target (RIP read through `hyperscope/registers`
// for a RIP target) and its `hyperscope/pageWalk` result. Shared by the panel host.
import type * as vscode from 'vscode';
import { CustomRequest, type PageWalkArguments, type PageWalkResult, type RegistersResult } from '../protocol/dap';
import type { WalkTarget } from '../protocol/webview';

/** Walks `target` in `session`: RIP as an instruction fetch, CR2 as a read, an address with its access kind. */
export async function requestWalk(session: vscode.DebugSession, target: WalkTarget): Promise<PageWalkResult> {
  const address = target.kind === 'address' ? target.address : ((await session.customRequest(CustomRequest.registers, {})) as RegistersResult).values[target.kind];
  if (address === undefined) throw new Error(`the adapter reported no ${target.kind}`);
  const access = target.kind === 'rip' ? 'execute' : target.kind === 'cr2' ? 'read' : target.access;
  return (await session.customRequest(CustomRequest.pageWalk, { address, access } satisfies PageWalkArguments)) as PageWalkResult;
}
