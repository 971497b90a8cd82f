// Benchmark hook for `npm run bench`: the step round trip a user feels in VS Code —
// stepIn → stopped → stackTrace → scopes → variables — over in-process streams with
// real DAP framing, measured `count` times after a warm-up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { HyperscopeSession } from './session';

const PROGRAM = `bits 64
org 0x100000
start:
        inc     rax
        add     rcx, rax
        jmp     start
`;

interface Message {
  type: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: unknown;
}

/** A minimal DAP client: Content-Length framing, requests as promises, events as waiters. */
class BenchClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, (m: Message) => void>();
  private readonly waiters = new Map<string, ((m: Message) => void)[]>();

  constructor(
    private readonly toAdapter: PassThrough,
    fromAdapter: PassThrough,
  ) {
    fromAdapter.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, headerEnd).toString())?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      if (message.type === 'response') this.pending.get(message.request_seq!)?.(message);
      else if (message.type === 'event') this.waiters.get(message.event!)?.shift()?.(message);
    }
  }

  request(command: string, args?: unknown): Promise<Message> {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    return new Promise((resolve, reject) => {
      this.pending.set(seq, (m) => (m.success ? resolve(m) : reject(new Error(`${command}: ${m.message}`))));
      this.toAdapter.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    });
  }

  event(name: string): Promise<Message> {
    return new Promise((resolve) => {
      const list = this.waiters.get(name) ?? [];
      list.push(resolve);
      this.waiters.set(name, list);
    });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Launches PROGRAM in an in-process session, runs `body` with the client, then cleans up. */
async function withSession<T>(launch: Record<string, unknown>, body: (client: BenchClient) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-bench-'));
  const program = join(dir, 'steps.hvasm');
  writeFileSync(program, PROGRAM);
  const toAdapter = new PassThrough();
  const fromAdapter = new PassThrough();
  const session = new HyperscopeSession();
  session.setRunAsServer(true);
  session.start(toAdapter, fromAdapter);
  const client = new BenchClient(toAdapter, fromAdapter);
  try {
    await client.request('initialize', { adapterID: 'hyperscope', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = client.event('initialized');
    const stopped = client.event('stopped');
    const launched = client.request('launch', { program, ...launch });
    await initialized;
    await client.request('configurationDone');
    await launched;
    await stopped;
    const result = await body(client);
    await client.request('disconnect', {});
    return result;
  } finally {
    toAdapter.end();
    fromAdapter.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** p50/p95 in milliseconds of `count` step round trips (after 50 warm-up steps). */
export async function measureStepRoundTrip(count: number): Promise<{ p50: number; p95: number }> {
  return withSession({ stopOnEntry: true }, async (client) => {
    const times: number[] = [];
    for (let i = 0; i < count + 50; i++) {
      const started = performance.now();
      const stopped = client.event('stopped');
      await client.request('stepIn', { threadId: 1 });
      await stopped;
      await client.request('stackTrace', { threadId: 1 });
      const scopes = (await client.request('scopes', { frameId: 1 })).body as { scopes: { variablesReference: number }[] };
      await client.request('variables', { variablesReference: scopes.scopes[0]!.variablesReference });
      if (i >= 50) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p95: percentile(times, 95) };
  });
}

/**
 * Milliseconds from a stepBack request to its stopped event after running `instructions`
 * (p50/p95 over `count` consecutive steps back), plus the time the forward run took.
 */
export async function measureStepBack(instructions: number, count = 20): Promise<{ p50: number; p95: number; forwardMs: number }> {
  const started = performance.now();
  return withSession({ maxInstructions: instructions }, async (client) => {
    const forwardMs = performance.now() - started;
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const begin = performance.now();
      const stopped = client.event('stopped');
      await client.request('stepBack', { threadId: 1, granularity: 'instruction' });
      await stopped;
      times.push(performance.now() - begin);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p95: percentile(times, 95), forwardMs };
  });
}

interface VariableNode {
  name: string;
  variablesReference: number;
}

/** Fetches every variable under `reference`, depth-first; returns how many were fetched. */
async function fetchAll(client: BenchClient, reference: number): Promise<number> {
  const response = await client.request('variables', { variablesReference: reference });
  const variables = (response.body as { variables: VariableNode[] }).variables;
  let count = variables.length;
  for (const v of variables) if (v.variablesReference > 0) count += await fetchAll(client, v.variablesReference);
  return count;
}

/**
 * Milliseconds to fetch the whole VMCS scope (every group, field and control bit) of a
 * guest-mode session stopped on entry: p50/p95 over `count` fetches, and the variable count.
 */
export async function measureVmcsFetch(count: number): Promise<{ p50: number; p95: number; variables: number }> {
  return withSession({ stopOnEntry: true, mode: 'guest' }, async (client) => {
    const scopes = (await client.request('scopes', { frameId: 1 })).body as { scopes: { name: string; variablesReference: number }[] };
    const vmcs = scopes.scopes.find((s) => s.name === 'VMCS');
    if (!vmcs) throw new Error(`no VMCS scope in guest mode (scopes: ${scopes.scopes.map((s) => s.name).join(', ')})`);
    const times: number[] = [];
    let variables = 0;
    for (let i = 0; i < count + 5; i++) {
      const started = performance.now();
      variables = await fetchAll(client, vmcs.variablesReference);
      if (i >= 5) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p95: percentile(times, 95), variables };
  });
}
