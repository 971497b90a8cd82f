// The DAP session: one override per request, each delegating to the module for its
// group — launchRequests (life of a program), runControl, breakpointRequests,
// variableRequests, inspectionRequests, memoryRequests, customRequests — through the
// `SessionHost` seam. The runtime's events map to DAP events in `attachRuntime()`, the
// one place that seam is visible. Lines are 0-based inside the adapter and converted only
// at the host.
import { LoggingDebugSession, OutputEvent, ExitedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { LaunchError } from './launchConfig';
import { Debuggee } from './debuggee';
import { MemoryReferenceError } from './memory';
import { ExpressionError } from './expression';
import { validateRequest } from './requestValidation';
import type { OutputCategory, RuntimeStop } from './runtimeTypes';
import { UserError } from './errors';
import { customRequest } from './customRequests';
import { capabilities } from './capabilities';
import type { SessionHost } from './sessionHost';
import { LaunchRequests } from './launchRequests';
import { StopReporter } from './stopReporting';
import { RunControl } from './runControl';
import { BreakpointRequests } from './breakpointRequests';
import { VariableRequests } from './variableRequests';
import { InspectionRequests } from './inspectionRequests';
import { MemoryRequests } from './memoryRequests';

export class HyperscopeSession extends LoggingDebugSession {
  private readonly host: SessionHost = {
    debuggee: () => this.launches.debuggee,
    require: () => this.require(),
    handle: (response, body) => this.handle(response, body),
    fail: (response, message) => this.fail(response, message),
    sendResponse: (response) => this.sendResponse(response),
    sendEvent: (event) => this.sendEvent(event),
    clientLine: (line) => this.convertDebuggerLineToClient(line),
    debuggerLine: (line) => this.convertClientLineToDebugger(line),
    debuggerColumn: (column) => this.convertClientColumnToDebugger(column),
  };
  private readonly launches = new LaunchRequests(this.host, (debuggee) => this.started(debuggee));
  private readonly stops = new StopReporter(this.host);
  private readonly runControl = new RunControl(this.host, this.stops);
  private readonly breakpoints = new BreakpointRequests(this.host);
  private readonly variables = new VariableRequests(this.host, () => this.breakpoints.resyncWatches(false));
  private readonly inspection = new InspectionRequests(this.host);
  private readonly memory = new MemoryRequests(this.host, () => this.breakpoints.resyncWatches(false));

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
  }

  /** The launched program, or a UserError for requests that need one. */
  private require(): Debuggee {
    const debuggee = this.launches.debuggee;
    if (!debuggee) throw new UserError('no program is running: send launch first');
    return debuggee;
  }

  /** A new program, before it runs: breakpoints and filters, then the runtime's events. */
  private started(debuggee: Debuggee): void {
    this.stops.reset();
    this.breakpoints.attach(debuggee);
    this.attachRuntime(debuggee);
    this.breakpoints.reresolve(debuggee.program);
  }

  /** Runtime events → DAP events; a replaced program's late events are dropped. */
  private attachRuntime(debuggee: Debuggee): void {
    const runtime = debuggee.runtime;
    runtime.on('stopped', (stop: RuntimeStop) => {
      if (this.launches.debuggee !== debuggee) return;
      if (stop.description.startsWith('step back') || stop.description.startsWith('reverse')) this.breakpoints.resyncWatches(false);
      this.sendEvent(this.stops.stopped(stop));
    });
    runtime.on('output', (text: string, category: OutputCategory) => this.sendEvent(new OutputEvent(text, category)));
    runtime.on('exited', (code: number) => {
      this.sendEvent(new ExitedEvent(code));
      this.sendEvent(new TerminatedEvent());
    });
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

  // ---- lifecycle ----------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = capabilities();
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.launches.configurationDoneRequest(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    return this.launches.launch(response, args);
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.launches.attach(response);
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.launches.restart(response, args);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.launches.terminate(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.launches.disconnect(response);
  }

  /** The client went away (its stream closed, SIGTERM): the program ends and its disk image is closed. */
  override shutdown(): void {
    this.launches.end();
    super.shutdown();
  }

  // ---- breakpoints -------------------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.breakpoints.setBreakpoints(response, args);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.breakpoints.setFunctionBreakpoints(response, args);
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.breakpoints.setInstructionBreakpoints(response, args);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.breakpoints.setExceptionBreakpoints(response, args);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.breakpoints.dataBreakpointInfo(response, args);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.breakpoints.setDataBreakpoints(response, args);
  }

  // ---- execution ---------------------------------------------------------------------

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.runControl.continue(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.runControl.next(response, args);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.runControl.stepIn(response, args);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.runControl.stepOut(response);
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.runControl.stepBack(response, args);
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.runControl.reverseContinue(response);
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.runControl.gotoTargets(response, args);
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.runControl.goto(response, args);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.runControl.pause(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    this.stops.exceptionInfo(response);
  }

  // ---- inspection --------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.inspection.threads(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.inspection.stackTrace(response, args);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    this.variables.scopes(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.variables.variablesRequest(response, args);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.variables.setVariable(response, args);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.inspection.evaluate(response, args);
  }

  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    this.variables.setExpression(response, args);
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.inspection.completions(response, args);
  }

  // ---- memory ------------------------------------------------------------------------

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.memory.read(response, args);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.memory.write(response, args);
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.memory.disassemble(response, args);
  }

  // ---- custom requests ---------------------------------------------------------------

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    customRequest(this.host, command, response, args);
  }
}
