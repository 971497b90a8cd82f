// Stops as the client sees them: the `stopped` event for a runtime stop, and
// `exceptionInfo` for the last one (a filter's own description, else the machine's words).
import { StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { VCPU_THREAD_ID } from './stack';
import type { RuntimeStop } from './runtimeTypes';
import type { SessionHost } from './sessionHost';

/** exceptionInfo's id for an exception stop no filter described, by the start of its description. */
const MACHINE_STOP_IDS: readonly (readonly [prefix: string, id: string])[] = [
  ['triple fault', 'triple-fault'],
  ['not implemented', 'unimplemented-instruction'],
];

export class StopReporter {
  private lastStop: RuntimeStop | undefined;

  constructor(private readonly host: SessionHost) {}

  /** A new program has not stopped yet. */
  reset(): void {
    this.lastStop = undefined;
  }

  /** Remembers `stop` for exceptionInfo and returns its `stopped` event (all threads: the machine stops as a whole). */
  stopped(stop: RuntimeStop): DebugProtocol.StoppedEvent {
    this.lastStop = stop;
    const event = new StoppedEvent(stop.reason, VCPU_THREAD_ID) as DebugProtocol.StoppedEvent;
    event.body.description = stop.description;
    event.body.allThreadsStopped = true;
    if (stop.reason === 'exception') event.body.text = stop.description;
    if (stop.hitBreakpointIds?.length) event.body.hitBreakpointIds = stop.hitBreakpointIds;
    return event;
  }

  /** After `goto`: RIP moved without executing anything. */
  gotoEvent(): DebugProtocol.StoppedEvent {
    const event = new StoppedEvent('goto', VCPU_THREAD_ID) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    return event;
  }

  exceptionInfo(response: DebugProtocol.ExceptionInfoResponse): void {
    const stop = this.lastStop;
    if (stop?.reason !== 'exception') return this.host.fail(response, 'the machine did not stop on an exception');
    const trap = stop.exception;
    if (trap) {
      response.body = { exceptionId: trap.id, description: trap.description, breakMode: 'always', details: { message: trap.details, typeName: trap.typeName } };
      return this.host.sendResponse(response);
    }
    const id = MACHINE_STOP_IDS.find(([prefix]) => stop.description.startsWith(prefix))?.[1] ?? 'machine-stop';
    response.body = { exceptionId: id, description: stop.description, breakMode: 'always' };
    this.host.sendResponse(response);
  }
}
