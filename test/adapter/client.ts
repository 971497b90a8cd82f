// A DebugClient connected to an in-process HyperscopeSession over PassThrough streams, so
// every wait has a timeout (DebugClient.start(port) would disable them), with helpers
// for the adapter tests.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { HyperscopeSession } from '../../src/adapter/session';
import type { HyperscopeLaunchArguments } from '../../src/protocol/dap';

export const FIXTURES = resolve(__dirname, '..', 'fixtures', 'adapter');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** 1-based line of the marker comment `; #NAME` in a fixture. */
export function markerLine(file: string, marker: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((l) => new RegExp(`#${marker}\\b`).test(l));
  if (index < 0) throw new Error(`marker #${marker} not found in ${file}`);
  return index + 1;
}

export interface BreakpointSetup {
  lines?: { path: string; line: number; condition?: string; hitCondition?: string; logMessage?: string }[];
  functions?: DebugProtocol.FunctionBreakpoint[];
  instructions?: DebugProtocol.InstructionBreakpoint[];
}

export class HyperscopeClient extends DebugClient {
  private toAdapter = new PassThrough();
  private fromAdapter = new PassThrough();
  readonly session = new HyperscopeSession();
  /** Everything sent as output events, by category. */
  readonly output: Record<string, string> = {};

  constructor() {
    super('node', 'in-process', 'hyperscope');
    this.defaultTimeout = 5000;
    this.on('output', (event: DebugProtocol.OutputEvent) => {
      const category = event.body.category ?? 'console';
      this.output[category] = (this.output[category] ?? '') + event.body.output;
    });
  }

  /** Connects to the in-process session (instead of `start()`, which spawns or uses a socket). */
  async open(): Promise<void> {
    this.session.setRunAsServer(true);
    this.session.start(this.toAdapter, this.fromAdapter);
    this.connectStreams(this.fromAdapter, this.toAdapter);
  }

  protected connectStreams(readable: Readable, writable: Writable): void {
    this.connect(readable, writable);
  }

  async close(): Promise<void> {
    await this.stop();
    this.toAdapter.end();
    this.fromAdapter.end();
  }

  /** initialize + launch, setting breakpoints after `initialized`; resolves with the first stop. */
  async launchAndWaitForStop(args: Partial<HyperscopeLaunchArguments> & Record<string, unknown>, breakpoints: BreakpointSetup = {}): Promise<DebugProtocol.StoppedEvent> {
    const stopped = this.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await this.launchWith(args, breakpoints);
    return stopped;
  }

  /** initialize + launch + configuration; resolves when the launch response arrives. */
  async launchWith(args: Partial<HyperscopeLaunchArguments> & Record<string, unknown>, breakpoints: BreakpointSetup = {}): Promise<void> {
    await Promise.all([
      this.waitForEvent('initialized').then(async () => {
        await this.setBreakpointsFrom(breakpoints);
        await this.configurationDoneRequest();
      }),
      this.launch(args),
    ]);
  }

  async setBreakpointsFrom(setup: BreakpointSetup): Promise<DebugProtocol.Breakpoint[]> {
    const results: DebugProtocol.Breakpoint[] = [];
    const byPath = new Map<string, NonNullable<BreakpointSetup['lines']>>();
    for (const bp of setup.lines ?? []) byPath.set(bp.path, [...(byPath.get(bp.path) ?? []), bp]);
    for (const [path, bps] of byPath) {
      const response = await this.setBreakpointsRequest({ source: { path }, breakpoints: bps.map(({ line, condition, hitCondition, logMessage }) => ({ line, condition, hitCondition, logMessage })) });
      results.push(...response.body.breakpoints);
    }
    if (setup.functions) results.push(...(await this.setFunctionBreakpointsRequest({ breakpoints: setup.functions })).body.breakpoints);
    if (setup.instructions) results.push(...(await this.send('setInstructionBreakpoints', { breakpoints: setup.instructions })).body.breakpoints);
    return results;
  }

  /** The top frame after a stop. */
  async topFrame(): Promise<DebugProtocol.StackFrame> {
    const response = await this.stackTraceRequest({ threadId: 1 });
    const frame = response.body.stackFrames[0];
    if (!frame) throw new Error('no stack frame');
    return frame;
  }

  /** Variables of a reference as name → value. */
  async readVariables(variablesReference: number): Promise<Record<string, DebugProtocol.Variable>> {
    const response = await this.variablesRequest({ variablesReference });
    return Object.fromEntries(response.body.variables.map((v) => [v.name, v]));
  }

  /** The Registers scope's variables. */
  async registers(): Promise<Record<string, DebugProtocol.Variable>> {
    const scopes = await this.scopesRequest({ frameId: 1 });
    const registers = scopes.body.scopes.find((s) => s.name === 'Registers');
    if (!registers) throw new Error('no Registers scope');
    return this.readVariables(registers.variablesReference);
  }

  /** Sends a step/continue request and waits for the stop it causes. */
  async stepAndWait(step: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    const stopped = this.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await step();
    return stopped;
  }

  async evaluate(expression: string, context = 'repl'): Promise<string> {
    const response = await this.evaluateRequest({ expression, context });
    return response.body.result;
  }
}

/** Runs `body` with a connected client and always closes it. */
export async function withClient(body: (client: HyperscopeClient) => Promise<void>): Promise<void> {
  const client = new HyperscopeClient();
  await client.open();
  try {
    await body(client);
  } finally {
    await client.close();
  }
}
