// Run control: continue, step in/over/out, stepBack, reverseContinue, pause and goto.
// Each answers first, then sets the runtime going; the stop arrives as a `stopped` event.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { symbolize, addressesForLine } from './program';
import { hex64 } from './format';
import { lookupRegister } from './registers';
import { UserError } from './errors';
import type { StopReporter } from './stopReporting';
import type { SessionHost } from './sessionHost';

export class RunControl {
  constructor(
    private readonly host: SessionHost,
    private readonly stops: StopReporter,
  ) {}

  continue(response: DebugProtocol.ContinueResponse): void {
    this.host.handle(response, () => {
      const runtime = this.host.require().runtime;
      response.body = { allThreadsContinued: true };
      this.host.sendResponse(response);
      runtime.continue();
    });
  }

  next(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.host.handle(response, () => {
      const runtime = this.host.require().runtime;
      this.host.sendResponse(response);
      runtime.stepLine(true, args.granularity === 'instruction');
    });
  }

  stepIn(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.host.handle(response, () => {
      const runtime = this.host.require().runtime;
      this.host.sendResponse(response);
      if (args.granularity === 'instruction') runtime.stepInstruction();
      else runtime.stepLine(false, false);
    });
  }

  stepOut(response: DebugProtocol.StepOutResponse): void {
    this.host.handle(response, () => {
      const runtime = this.host.require().runtime;
      this.host.sendResponse(response);
      runtime.stepOut();
    });
  }

  stepBack(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.host.handle(response, () => {
      const runtime = this.host.require().runtime;
      if (!runtime.canReverse) throw new UserError('nothing to step back to: execution is at the start of the recorded history');
      this.host.sendResponse(response);
      runtime.stepBack(args.granularity !== 'instruction');
    });
  }

  reverseContinue(response: DebugProtocol.ReverseContinueResponse): void {
    this.host.handle(response, () => {
      const runtime = this.host.require().runtime;
      if (!runtime.canReverse) throw new UserError('nothing to run back to: execution is at the start of the recorded history');
      this.host.sendResponse(response);
      runtime.reverseContinue();
    });
  }

  pause(response: DebugProtocol.PauseResponse): void {
    this.host.handle(response, () => {
      this.host.require().runtime.pause();
      this.host.sendResponse(response);
    });
  }

  /** The addresses of a source line, as goto targets (the id is the address). */
  gotoTargets(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.host.handle(response, () => {
      const debuggee = this.host.require();
      const line = this.host.debuggerLine(args.line);
      const addresses = args.source.path ? addressesForLine(debuggee.program, args.source.path, line) : [];
      response.body = { targets: addresses.map((address) => ({ id: address, label: symbolize(debuggee.program, address) ?? hex64(address), line: args.line, instructionPointerReference: '0x' + BigInt.asUintN(64, BigInt(address)).toString(16) })) };
      this.host.sendResponse(response);
    });
  }

  /** Jump to a line: moves RIP without executing anything (the target id is the address). */
  goto(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.host.handle(response, () => {
      const debuggee = this.host.require();
      if (debuggee.runtime.isRunning) throw new UserError('pause the machine before jumping');
      const rip = lookupRegister('rip')!;
      const problem = rip.set!(debuggee.machine.cpu, BigInt.asUintN(64, BigInt(args.targetId)));
      if (problem) throw new UserError(problem);
      this.host.sendResponse(response);
      this.host.sendEvent(this.stops.gotoEvent());
    });
  }
}
