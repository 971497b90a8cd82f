// Every kind of breakpoint request — source lines, functions, instructions, exception
// filters (VM exits, guest exceptions, devices) and data breakpoints — and the wiring of
// their managers onto each launched program's runtime.
import { BreakpointEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Debuggee } from './debuggee';
import type { LoadedProgram } from './program';
import { BreakpointManager } from './breakpoints';
import { DataWatches } from './dataBreakpoints';
import { VmExitBreaks } from './vmExitBreaks';
import { GuestExceptionBreaks, GUEST_EXCEPTION_FILTER } from './guestExceptions';
import { DeviceBreaks, DEVICE_FILTERS, firstTrap } from './devicesBreaks';
import { EXCEPTION_FILTERS, unknownFilters } from './exceptionFilters';
import { disassemble } from './disassemble';
import { hex64 } from './format';
import { UserError } from './errors';
import type { SessionHost } from './sessionHost';

export class BreakpointRequests {
  private readonly breakpoints: BreakpointManager;
  private readonly dataWatches: DataWatches;
  private readonly vmExits = new VmExitBreaks();
  private readonly guestExceptions = new GuestExceptionBreaks();
  private readonly deviceBreaks = new DeviceBreaks();

  constructor(private readonly host: SessionHost) {
    this.breakpoints = new BreakpointManager(() => host.require().evalContext);
    this.dataWatches = new DataWatches(
      () => host.debuggee()?.machine,
      () => host.debuggee()?.memory,
      () => host.require().evalContext,
      () => {
        const debuggee = host.debuggee();
        return debuggee?.runtime.isReplaying === true && debuggee.machine.timeTravel?.scanning !== true;
      },
    );
    this.breakpoints.onChange = (addresses) => {
      const debuggee = host.debuggee();
      debuggee?.runtime.setUserBreakpoints(debuggee.config.noDebug ? [] : addresses);
    };
    this.dataWatches.describeInstruction = (rip) => {
      const debuggee = host.require();
      const text = disassemble(debuggee.memory, debuggee.program, { space: 'gva', address: rip }, debuggee.machine.cpu.bitness, 0, 1)[0]?.instruction;
      return text ? `${text.replace(/\s+/g, ' ')} at ${hex64(rip)}` : `the instruction at ${hex64(rip)}`;
    };
  }

  /** Puts a new program under the breakpoints and filters (none of them under noDebug). */
  attach(debuggee: Debuggee): void {
    const runtime = debuggee.runtime;
    runtime.judge = this.breakpoints;
    runtime.watcher = debuggee.config.noDebug ? undefined : this.dataWatches;
    if (!debuggee.config.noDebug) {
      this.vmExits.attach({ machine: debuggee.machine, evalContext: debuggee.evalContext, muted: () => runtime.isReplaying });
      this.guestExceptions.attach(debuggee.machine, debuggee.evalContext, () => runtime.isReplaying || runtime.hidden());
      this.deviceBreaks.attach({ machine: debuggee.machine, evalContext: debuggee.evalContext, muted: () => runtime.isReplaying });
      runtime.trap = () => firstTrap([this.vmExits.take(), this.guestExceptions.take(), this.deviceBreaks.take()]);
    }
    this.dataWatches.resync(true);
  }

  /** Resolves the breakpoints set before launch against `program`, telling the client which changed. */
  reresolve(program: LoadedProgram): void {
    for (const change of this.breakpoints.reresolve(program)) this.host.sendEvent(new BreakpointEvent('changed', { id: change.id, verified: change.verified } as DebugProtocol.Breakpoint));
  }

  /** Re-translates data breakpoints after memory, registers or history changed (`all`: every range). */
  resyncWatches(all: boolean): void {
    this.dataWatches.resync(all);
  }

  setBreakpoints(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.host.handle(response, () => {
      const path = args.source.path;
      const specs = (args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }))).map((b) => ({ ...b, line: this.host.debuggerLine(b.line) }));
      if (!path) {
        response.body = { breakpoints: specs.map(() => ({ verified: false, message: 'source has no path' })) };
      } else {
        const results = this.breakpoints.setSourceBreakpoints(this.host.debuggee()?.program, path, specs);
        for (const r of results) if (r.line !== undefined) r.line = this.host.clientLine(r.line);
        response.body = { breakpoints: results };
      }
      this.host.sendResponse(response);
    });
  }

  setFunctionBreakpoints(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.host.handle(response, () => {
      const results = this.breakpoints.setFunctionBreakpoints(this.host.debuggee()?.program, args.breakpoints);
      for (const r of results) if (r.line !== undefined) r.line = this.host.clientLine(r.line);
      response.body = { breakpoints: results };
      this.host.sendResponse(response);
    });
  }

  setInstructionBreakpoints(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.host.handle(response, () => {
      response.body = { breakpoints: this.breakpoints.setInstructionBreakpoints(this.host.debuggee()?.program, args.breakpoints) };
      this.host.sendResponse(response);
    });
  }

  /** Routes each filter to its manager (guest exception, device, or VM exit); results keep the request's order. */
  setExceptionBreakpoints(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.host.handle(response, () => {
      const options = args.filterOptions ?? [];
      const unknown = unknownFilters([...args.filters, ...options.map((o) => o.filterId)]);
      if (unknown.length > 0) throw new UserError(`unknown exception filter${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')} (this build offers ${EXCEPTION_FILTERS.map((f) => f.filter).join(', ')})`);
      const isGuest = (id: string): boolean => id === GUEST_EXCEPTION_FILTER;
      const isDevice = (id: string): boolean => DEVICE_FILTERS.includes(id);
      const isExit = (id: string): boolean => !isGuest(id) && !isDevice(id);
      const exits = this.vmExits.set(args.filters.filter(isExit), options.filter((o) => isExit(o.filterId)), this.host.debuggee()?.program.symbols);
      const guest = this.guestExceptions.set([...args.filters.filter(isGuest).map(() => ({})), ...options.filter((o) => isGuest(o.filterId))]);
      const devices = this.deviceBreaks.set([...args.filters.filter(isDevice).map((filterId) => ({ filterId })), ...options.filter((o) => isDevice(o.filterId))]);
      const ordered = [...args.filters, ...options.map((o) => o.filterId)].map((id): DebugProtocol.Breakpoint => (isGuest(id) ? guest.shift()! : isDevice(id) ? devices.shift()! : exits.shift()!));
      response.body = { breakpoints: ordered };
      this.host.sendResponse(response);
    });
  }

  dataBreakpointInfo(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.host.handle(response, () => {
      this.host.require();
      response.body = this.dataWatches.info(args);
      this.host.sendResponse(response);
    });
  }

  setDataBreakpoints(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.host.handle(response, () => {
      response.body = { breakpoints: this.dataWatches.set(args.breakpoints) };
      this.host.sendResponse(response);
    });
  }
}
