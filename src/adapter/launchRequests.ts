// launch, restart, terminate, disconnect (and attach, refused): the life of one launched
// program. Launch waits for configurationDone (bounded) before the machine starts.
import { InitializedEvent, OutputEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { validateLaunchArguments, type LaunchConfig } from './launchConfig';
import { loadProgram, formatDiagnostic } from './program';
import { Debuggee } from './debuggee';
import type { SessionHost } from './sessionHost';

/** How long launch waits for configurationDone before starting anyway. */
const CONFIGURATION_TIMEOUT_MS = 10_000;

export class LaunchRequests {
  private current: Debuggee | undefined;
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));

  /** `started` wires a new program to the session (breakpoints, filters, runtime events) before it runs. */
  constructor(
    private readonly host: SessionHost,
    private readonly started: (debuggee: Debuggee) => void,
  ) {}

  get debuggee(): Debuggee | undefined {
    return this.current;
  }

  configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.host.sendResponse(response);
  }

  async launch(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    let config: LaunchConfig;
    try {
      config = validateLaunchArguments(args);
      this.startProgram(config);
    } catch (e) {
      this.host.handle(response, () => {
        throw e;
      });
      return;
    }
    this.host.sendEvent(new InitializedEvent());
    const debuggee = this.current;
    await this.waitForConfiguration();
    this.host.sendResponse(response);
    // a disconnect or restart while waiting replaced or removed the program
    if (debuggee !== undefined && this.current === debuggee) debuggee.runtime.start(config.stopOnEntry);
  }

  /** configurationDone, or a timeout for clients that never send it (the launch must not hang). */
  private async waitForConfiguration(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CONFIGURATION_TIMEOUT_MS)));
    const outcome = await Promise.race([this.configured, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.host.sendEvent(new OutputEvent(`no configurationDone after ${CONFIGURATION_TIMEOUT_MS / 1000} s: starting anyway\n`, 'console'));
  }

  attach(response: DebugProtocol.AttachResponse): void {
    this.host.fail(response, 'attach is not supported: the machine is simulated inside the adapter; use a launch configuration');
  }

  /** Loads the program onto a new machine, replacing the running one, and hands it to `started`. */
  private startProgram(config: LaunchConfig): void {
    const program = loadProgram(config.program);
    const debuggee = new Debuggee(config, program);
    for (const d of program.assembly?.diagnostics ?? []) this.host.sendEvent(new OutputEvent(formatDiagnostic(d) + '\n', 'console'));
    this.current?.dispose();
    this.current = debuggee;
    this.started(debuggee);
  }

  restart(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.host.handle(response, () => {
      const current = this.host.require().config;
      const config = args?.arguments ? validateLaunchArguments(args.arguments) : current;
      this.startProgram(config);
      this.host.sendResponse(response);
      this.host.require().runtime.start(config.stopOnEntry);
    });
  }

  /** The program ends (its disk image is closed) but stays inspectable until disconnect or restart. */
  terminate(response: DebugProtocol.TerminateResponse): void {
    this.current?.dispose();
    this.host.sendResponse(response);
    this.host.sendEvent(new TerminatedEvent());
  }

  disconnect(response: DebugProtocol.DisconnectResponse): void {
    this.end();
    this.host.sendResponse(response);
  }

  /** Ends the session's program, if any: the runtime stops and the disk image is closed. */
  end(): void {
    this.current?.dispose();
    this.current = undefined;
  }
}
