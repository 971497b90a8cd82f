// What the request modules (launchRequests, runControl, breakpointRequests, …) need from
// the DAP session: the launched program, replies, events and the client's line base.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CustomEvent, type StateChangedEventBody } from '../protocol/dap';
import type { Debuggee } from './debuggee';

export interface SessionHost {
  /** The launched program, if any. */
  debuggee(): Debuggee | undefined;
  /** The launched program, or a UserError for requests that need one. */
  require(): Debuggee;
  /** Runs a handler; user errors (bad expression, bad reference, no program) become error responses. */
  handle(response: DebugProtocol.Response, body: () => void): void;
  fail(response: DebugProtocol.Response, message: string): void;
  sendResponse(response: DebugProtocol.Response): void;
  sendEvent(event: DebugProtocol.Event): void;
  /** Adapter lines are 0-based; these convert at the boundary. */
  clientLine(line: number): number;
  debuggerLine(line: number): number;
  debuggerColumn(column: number): number;
}

/** `hyperscope/stateChanged`: the views refresh what changed. */
export function stateChangedEvent(what: StateChangedEventBody['what']): DebugProtocol.Event {
  return { seq: 0, type: 'event', event: CustomEvent.stateChanged, body: { what } } as DebugProtocol.Event;
}
