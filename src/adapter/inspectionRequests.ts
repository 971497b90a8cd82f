// threads, stackTrace, evaluate and completions: reading the stopped machine.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { stackFrames, threads, VCPU_THREAD_ID, hostResumeRip } from './stack';
import { completions } from './commands';
import { evaluate } from './evaluate';
import { UserError } from './errors';
import type { SessionHost } from './sessionHost';

export class InspectionRequests {
  constructor(private readonly host: SessionHost) {}

  threads(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: threads() };
    this.host.sendResponse(response);
  }

  /** The vCPU's frames (callers from return addresses; HOST_RIP while a guest runs in bare mode), paged. */
  stackTrace(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.host.handle(response, () => {
      const debuggee = this.host.require();
      if (args.threadId !== VCPU_THREAD_ID) throw new UserError(`no thread ${args.threadId} (the machine has one vCPU, thread ${VCPU_THREAD_ID})`);
      const frames = stackFrames(debuggee.machine.cpu, debuggee.program, debuggee.memory, hostResumeRip(debuggee)).map((f) => ({ ...f, line: f.source ? this.host.clientLine(f.line) : 0 }));
      const start = args.startFrame ?? 0;
      response.body = { stackFrames: frames.slice(start, args.levels ? start + args.levels : undefined), totalFrames: frames.length };
      this.host.sendResponse(response);
    });
  }

  evaluate(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.host.handle(response, () => {
      response.body = evaluate(this.host.require(), args.expression, args.context);
      this.host.sendResponse(response);
    });
  }

  /** Console commands, registers and the program's labels (works before launch too). */
  completions(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const column = this.host.debuggerColumn(args.column);
    const debuggee = this.host.debuggee();
    const symbols = debuggee ? debuggee.program.symbols.keys() : [];
    response.body = { targets: completions(args.text, column, symbols).map((c) => ({ label: c.label, type: c.type, start: c.start, length: c.length })) };
    this.host.sendResponse(response);
  }
}
