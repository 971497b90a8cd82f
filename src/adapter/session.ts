// The DAP session: one small method per request, each delegating to a module
// (launchConfig, breakpoints, variables, stack, memory, disassemble, commands). The
// runtime's events map to DAP events in `attach()`, the one place the seam is visible.
// Lines are 0-based inside the adapter and converted only here.
import {
  LoggingDebugSession,
  InitializedEvent,
  StoppedEvent,
  OutputEvent,
  ExitedEvent,
  TerminatedEvent,
  BreakpointEvent,
  MemoryEvent,
  InvalidatedEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CustomEvent } from '../protocol/dap';
import { validateLaunchArguments, LaunchError, type LaunchConfig } from './launchConfig';
import { loadProgram, formatDiagnostic, symbolize, addressesForLine } from './program';
import { Debuggee } from './debuggee';
import { BreakpointManager } from './breakpoints';
import { RegisterVariables, Ref } from './variables';
import { StackScope } from './stackScope';
import { VmcsScope } from './vmcsScope';
import { stackFrames, threads, VCPU_THREAD_ID, hostResumeRip } from './stack';
import { parseMemoryReference, MemoryReferenceError } from './memory';
import { disassemble } from './disassemble';
import { completions } from './commands';
import { evaluateExpression, ExpressionError } from './expression';
import { validateRequest } from './requestValidation';
import { EXCEPTION_FILTERS, unknownFilters } from './exceptionFilters';
import { hex64 } from './format';
import { lookupRegister } from './registers';
import type { RuntimeStop } from './runtime';
import { UserError } from './errors';
import { evaluate, assign } from './evaluate';
import { customHandler, STATE_CHANGING } from './customRequests';
import { capabilities } from './capabilities';
import { DataWatches } from './dataBreakpoints';
import { VmExitBreaks } from './vmExitBreaks';
import { GuestExceptionBreaks, GUEST_EXCEPTION_FILTER } from './guestExceptions';
import { DeviceBreaks, DEVICE_FILTERS, firstTrap } from './devicesBreaks';
import { DevicesScope } from './devicesScope';

const MAX_READ = 1 << 20;
/** How long launch waits for configurationDone before starting anyway. */
const CONFIGURATION_TIMEOUT_MS = 10_000;


export class HyperscopeSession extends LoggingDebugSession {
  private debuggee: Debuggee | undefined;
  private lastStop: RuntimeStop | undefined;
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));
  private readonly breakpoints = new BreakpointManager(() => this.require().evalContext);
  private readonly variables = new RegisterVariables(() => this.require().machine.cpu);
  private readonly dataWatches = new DataWatches(
    () => this.debuggee?.machine,
    () => this.debuggee?.memory,
    () => this.require().evalContext,
    () => this.debuggee?.runtime.isReplaying === true && this.debuggee.machine.timeTravel?.scanning !== true,
  );

  private readonly vmExits = new VmExitBreaks();
  private readonly guestExceptions = new GuestExceptionBreaks();
  private readonly deviceBreaks = new DeviceBreaks();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
    this.variables.providers.push(new StackScope(Ref.firstProvided, () => this.require()));
    this.variables.providers.push(new VmcsScope(Ref.firstProvided + 100, () => this.debuggee?.machine));
    this.variables.providers.push(new DevicesScope(Ref.firstProvided + 10_000, () => this.debuggee?.machine));
    this.breakpoints.onChange = (addresses) => this.debuggee?.runtime.setUserBreakpoints(this.debuggee.config.noDebug ? [] : addresses);
    this.dataWatches.describeInstruction = (rip) => {
      const debuggee = this.require();
      const text = disassemble(debuggee.memory, debuggee.program, { space: 'gva', address: rip }, debuggee.machine.cpu.bitness, 0, 1)[0]?.instruction;
      return text ? `${text.replace(/\s+/g, ' ')} at ${hex64(rip)}` : `the instruction at ${hex64(rip)}`;
    };
  }

  /** The launched program, or a UserError for requests that need one. */
  private require(): Debuggee {
    if (!this.debuggee) throw new UserError('no program is running: send launch first');
    return this.debuggee;
  }

  // ---- plumbing ---------------------------------------------------------------------

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = validateRequest(request.command, request.arguments);
    if (problem) {
      const response: DebugProtocol.Response = { seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: false };
      this.fail(response, problem);
      return;
    }
    super.dispatchRequest(request);
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 1001, format: message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser: true });
  }

  /** Runs a handler; user errors (bad expression, bad reference, no program) become error responses. */
  private handle(response: DebugProtocol.Response, body: () => void): void {
    try {
      body();
    } catch (e) {
      if (e instanceof UserError || e instanceof ExpressionError || e instanceof MemoryReferenceError || e instanceof LaunchError) this.fail(response, e.message);
      else this.fail(response, `internal error: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private line(line: number): number {
    return this.convertDebuggerLineToClient(line);
  }

  // ---- lifecycle ----------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = capabilities();
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    let config: LaunchConfig;
    try {
      config = validateLaunchArguments(args);
      this.startProgram(config);
    } catch (e) {
      this.handle(response, () => {
        throw e;
      });
      return;
    }
    this.sendEvent(new InitializedEvent());
    const debuggee = this.debuggee;
    await this.waitForConfiguration();
    this.sendResponse(response);
    // a disconnect or restart while waiting replaced or removed the program
    if (debuggee !== undefined && this.debuggee === debuggee) debuggee.runtime.start(config.stopOnEntry);
  }

  /** configurationDone, or a timeout for clients that never send it (the launch must not hang). */
  private async waitForConfiguration(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CONFIGURATION_TIMEOUT_MS)));
    const outcome = await Promise.race([this.configured, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.sendEvent(new OutputEvent(`no configurationDone after ${CONFIGURATION_TIMEOUT_MS / 1000} s: starting anyway\n`, 'console'));
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.fail(response, 'attach is not supported: the machine is simulated inside the adapter; use a launch configuration');
  }

  /** Loads the program onto a new machine and wires its runtime to DAP events. */
  private startProgram(config: LaunchConfig): void {
    const program = loadProgram(config.program);
    const debuggee = new Debuggee(config, program);
    for (const d of program.assembly?.diagnostics ?? []) this.sendEvent(new OutputEvent(formatDiagnostic(d) + '\n', 'console'));
    this.debuggee?.runtime.terminate();
    this.debuggee = debuggee;
    this.lastStop = undefined;
    const runtime = debuggee.runtime;
    runtime.judge = this.breakpoints;
    runtime.watcher = config.noDebug ? undefined : this.dataWatches;
    if (!config.noDebug) {
      this.vmExits.attach({ machine: debuggee.machine, evalContext: debuggee.evalContext, muted: () => runtime.isReplaying });
      this.guestExceptions.attach(debuggee.machine, debuggee.evalContext, () => runtime.isReplaying || runtime.hidden());
      this.deviceBreaks.attach({ machine: debuggee.machine, evalContext: debuggee.evalContext, muted: () => runtime.isReplaying });
      runtime.trap = () => firstTrap([this.vmExits.take(), this.guestExceptions.take(), this.deviceBreaks.take()]);
    }
    this.dataWatches.resync(true);
    runtime.on('stopped', (stop: RuntimeStop) => {
      if (this.debuggee !== debuggee) return;
      if (stop.description.startsWith('step back') || stop.description.startsWith('reverse')) this.dataWatches.resync(false);
      this.lastStop = stop;
      const event = new StoppedEvent(stop.reason, VCPU_THREAD_ID) as DebugProtocol.StoppedEvent;
      event.body.description = stop.description;
      event.body.allThreadsStopped = true;
      if (stop.reason === 'exception') event.body.text = stop.description;
      if (stop.hitBreakpointIds?.length) event.body.hitBreakpointIds = stop.hitBreakpointIds;
      this.sendEvent(event);
    });
    runtime.on('output', (text: string, category: string) => this.sendEvent(new OutputEvent(text, category)));
    runtime.on('exited', (code: number) => {
      this.sendEvent(new ExitedEvent(code));
      this.sendEvent(new TerminatedEvent());
    });
    for (const change of this.breakpoints.reresolve(program)) this.sendEvent(new BreakpointEvent('changed', { id: change.id, verified: change.verified } as DebugProtocol.Breakpoint));
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.handle(response, () => {
      const current = this.require().config;
      const config = args?.arguments ? validateLaunchArguments(args.arguments) : current;
      this.startProgram(config);
      this.sendResponse(response);
      this.require().runtime.start(config.stopOnEntry);
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.debuggee?.runtime.terminate();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.debuggee?.runtime.terminate();
    this.debuggee = undefined;
    this.sendResponse(response);
  }

  // ---- breakpoints -------------------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.handle(response, () => {
      const path = args.source.path;
      const specs = (args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }))).map((b) => ({ ...b, line: this.convertClientLineToDebugger(b.line) }));
      if (!path) {
        response.body = { breakpoints: specs.map(() => ({ verified: false, message: 'source has no path' })) };
      } else {
        const results = this.breakpoints.setSourceBreakpoints(this.debuggee?.program, path, specs);
        for (const r of results) if (r.line !== undefined) r.line = this.line(r.line);
        response.body = { breakpoints: results };
      }
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.handle(response, () => {
      const results = this.breakpoints.setFunctionBreakpoints(this.debuggee?.program, args.breakpoints);
      for (const r of results) if (r.line !== undefined) r.line = this.line(r.line);
      response.body = { breakpoints: results };
      this.sendResponse(response);
    });
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.handle(response, () => {
      response.body = { breakpoints: this.breakpoints.setInstructionBreakpoints(this.debuggee?.program, args.breakpoints) };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.handle(response, () => {
      const options = args.filterOptions ?? [];
      const unknown = unknownFilters([...args.filters, ...options.map((o) => o.filterId)]);
      if (unknown.length > 0) throw new UserError(`unknown exception filter${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')} (this build offers ${EXCEPTION_FILTERS.map((f) => f.filter).join(', ')})`);
      // the guest-exception filter has its own fields; the VM-exit filters get the rest, results keep the request's order
      const isGuest = (id: string): boolean => id === GUEST_EXCEPTION_FILTER;
      const isDevice = (id: string): boolean => DEVICE_FILTERS.includes(id);
      const isExit = (id: string): boolean => !isGuest(id) && !isDevice(id);
      const exits = this.vmExits.set(args.filters.filter(isExit), options.filter((o) => isExit(o.filterId)), this.debuggee?.program.symbols);
      const guest = this.guestExceptions.set([...args.filters.filter(isGuest).map(() => ({})), ...options.filter((o) => isGuest(o.filterId))]);
      const devices = this.deviceBreaks.set([...args.filters.filter(isDevice).map((filterId) => ({ filterId })), ...options.filter((o) => isDevice(o.filterId))]);
      const ordered = [...args.filters, ...options.map((o) => o.filterId)].map((id): DebugProtocol.Breakpoint => (isGuest(id) ? guest.shift()! : isDevice(id) ? devices.shift()! : exits.shift()!));
      response.body = { breakpoints: ordered };
      this.sendResponse(response);
    });
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.handle(response, () => {
      this.require();
      response.body = this.dataWatches.info(args);
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.handle(response, () => {
      response.body = { breakpoints: this.dataWatches.set(args.breakpoints) };
      this.sendResponse(response);
    });
  }

  // ---- execution ---------------------------------------------------------------------

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.handle(response, () => {
      const runtime = this.require().runtime;
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      runtime.continue();
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.handle(response, () => {
      const runtime = this.require().runtime;
      this.sendResponse(response);
      runtime.stepLine(true, args.granularity === 'instruction');
    });
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.handle(response, () => {
      const runtime = this.require().runtime;
      this.sendResponse(response);
      if (args.granularity === 'instruction') runtime.stepInstruction();
      else runtime.stepLine(false, false);
    });
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.handle(response, () => {
      const runtime = this.require().runtime;
      this.sendResponse(response);
      runtime.stepOut();
    });
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.handle(response, () => {
      const runtime = this.require().runtime;
      if (!runtime.canReverse) throw new UserError('nothing to step back to: execution is at the start of the recorded history');
      this.sendResponse(response);
      runtime.stepBack(args.granularity !== 'instruction');
    });
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.handle(response, () => {
      const runtime = this.require().runtime;
      if (!runtime.canReverse) throw new UserError('nothing to run back to: execution is at the start of the recorded history');
      this.sendResponse(response);
      runtime.reverseContinue();
    });
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.handle(response, () => {
      const debuggee = this.require();
      const line = this.convertClientLineToDebugger(args.line);
      const addresses = args.source.path ? addressesForLine(debuggee.program, args.source.path, line) : [];
      response.body = { targets: addresses.map((address) => ({ id: address, label: symbolize(debuggee.program, address) ?? hex64(address), line: args.line, instructionPointerReference: '0x' + BigInt.asUintN(64, BigInt(address)).toString(16) })) };
      this.sendResponse(response);
    });
  }

  /** Jump to a line: moves RIP without executing anything (the target id is the address). */
  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.handle(response, () => {
      const debuggee = this.require();
      if (debuggee.runtime.isRunning) throw new UserError('pause the machine before jumping');
      const rip = lookupRegister('rip')!;
      const problem = rip.set!(debuggee.machine.cpu, BigInt.asUintN(64, BigInt(args.targetId)));
      if (problem) throw new UserError(problem);
      this.sendResponse(response);
      const event = new StoppedEvent('goto', VCPU_THREAD_ID) as DebugProtocol.StoppedEvent;
      event.body.allThreadsStopped = true;
      this.sendEvent(event);
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.handle(response, () => {
      this.require().runtime.pause();
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const stop = this.lastStop;
    if (stop?.reason !== 'exception') return this.fail(response, 'the machine did not stop on an exception');
    const trap = stop.exception;
    if (trap) {
      response.body = { exceptionId: trap.id, description: trap.description, breakMode: 'always', details: { message: trap.details, typeName: trap.typeName } };
      return this.sendResponse(response);
    }
    const id = stop.description.startsWith('triple fault') ? 'triple-fault' : stop.description.startsWith('not implemented') ? 'unimplemented-instruction' : 'machine-stop';
    response.body = { exceptionId: id, description: stop.description, breakMode: 'always' };
    this.sendResponse(response);
  }

  // ---- inspection --------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: threads() };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.handle(response, () => {
      const debuggee = this.require();
      if (args.threadId !== VCPU_THREAD_ID) throw new UserError(`no thread ${args.threadId} (the machine has one vCPU, thread ${VCPU_THREAD_ID})`);
      const frames = stackFrames(debuggee.machine.cpu, debuggee.program, debuggee.memory, hostResumeRip(debuggee)).map((f) => ({ ...f, line: f.source ? this.line(f.line) : 0 }));
      const start = args.startFrame ?? 0;
      response.body = { stackFrames: frames.slice(start, args.levels ? start + args.levels : undefined), totalFrames: frames.length };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    this.handle(response, () => {
      this.require();
      response.body = { scopes: this.variables.scopes() };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.handle(response, () => {
      this.require();
      const all = this.variables.variables(args.variablesReference);
      if (!all) throw new UserError(`variablesReference ${args.variablesReference} does not exist`);
      const start = args.start ?? 0;
      response.body = { variables: args.count ? all.slice(start, start + args.count) : all.slice(start) };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.handle(response, () => {
      const debuggee = this.require();
      if (debuggee.runtime.isRunning) throw new UserError('pause the machine before editing registers');
      const value = evaluateExpression(args.value, debuggee.evalContext);
      const signed = /^\s*-/.test(args.value) ? BigInt.asIntN(64, value) : value;
      try {
        response.body = { value: this.variables.setVariable(args.variablesReference, args.name, signed) };
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
      this.sendEvent({ seq: 0, type: 'event', event: CustomEvent.stateChanged, body: { what: 'registers' } } as DebugProtocol.Event);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.handle(response, () => {
      response.body = evaluate(this.require(), args.expression, args.context);
      this.sendResponse(response);
    });
  }

  /** Watch edits: a register name, a flag, or a sized memory operand (`qword [rsp+8]`) takes the value. */
  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    this.handle(response, () => {
      response.body = { value: assign(this.require(), args.expression, args.value) };
      this.dataWatches.resync(false);
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const column = this.convertClientColumnToDebugger(args.column);
    const symbols = this.debuggee ? this.debuggee.program.symbols.keys() : [];
    response.body = { targets: completions(args.text, column, symbols).map((c) => ({ label: c.label, type: c.type, start: c.start, length: c.length })) };
    this.sendResponse(response);
  }

  // ---- memory ------------------------------------------------------------------------

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.handle(response, () => {
      const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
      if (args.count < 0 || args.count > MAX_READ) throw new UserError(`readMemory: count must be between 0 and ${MAX_READ}, got ${args.count}`);
      const { bytes, unreadable } = this.require().memory.read(ref, args.count);
      response.body = { address: '0x' + BigInt.asUintN(64, BigInt(ref.address)).toString(16), data: Buffer.from(bytes).toString('base64'), unreadableBytes: unreadable };
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.handle(response, () => {
      const debuggee = this.require();
      const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
      const data = new Uint8Array(Buffer.from(args.data, 'base64'));
      if (!args.allowPartial) {
        const probe = debuggee.memory.read(ref, data.length);
        if (probe.unreadable > 0) throw new UserError(`writeMemory: only ${probe.bytes.length} of ${data.length} bytes at ${args.memoryReference} are mapped RAM; nothing written (set allowPartial to write what fits)`);
      }
      const written = debuggee.memory.write(ref, data);
      this.dataWatches.resync(false);
      response.body = { bytesWritten: written };
      this.sendResponse(response);
      this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, written));
      this.sendEvent({ seq: 0, type: 'event', event: CustomEvent.stateChanged, body: { what: 'memory' } } as DebugProtocol.Event);
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.handle(response, () => {
      const debuggee = this.require();
      const base = parseMemoryReference(args.memoryReference, args.offset ?? 0);
      if (args.instructionCount < 0 || args.instructionCount > 10_000) throw new UserError(`disassemble: instructionCount must be between 0 and 10000, got ${args.instructionCount}`);
      const instructions = disassemble(debuggee.memory, debuggee.program, base, debuggee.machine.cpu.bitness, args.instructionOffset ?? 0, args.instructionCount);
      for (const i of instructions) if (i.line !== undefined) i.line = this.line(i.line);
      response.body = { instructions };
      this.sendResponse(response);
    });
  }

  // ---- custom requests ---------------------------------------------------------------

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    this.handle(response, () => {
      const handler = customHandler(command);
      if (!handler) throw new UserError(`unknown request '${command}'`);
      response.body = handler(this.require(), args);
      this.sendResponse(response);
      if (STATE_CHANGING.has(command)) {
        this.sendEvent(new InvalidatedEvent(['variables']));
        this.sendEvent({ seq: 0, type: 'event', event: CustomEvent.stateChanged, body: { what: 'vmcs' } } as DebugProtocol.Event);
      }
    });
  }
}
