// The adapter as its own process: `node dist/adapter.js` and `node dist/cli.js dap`, over
// stdio. Builds the bundles first (esbuild, a few seconds).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { connect, createServer, type Socket } from 'node:net';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { fixture, markerLine } from './client';

const ROOT = resolve(__dirname, '..', '..');
const basic = fixture('basic.hvasm');

before(() => {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `esbuild failed:\n${build.stderr}`);
});

/** A DebugClient over a child process we spawn with arguments (DebugClient.start cannot pass any). */
class ProcessClient extends DebugClient {
  private child: ChildProcess | undefined;

  constructor() {
    super('node', 'unused', 'hyperscope');
  }

  spawnAdapter(args: string[]): void {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.connect(child.stdout!, child.stdin!);
  }

  connectSocket(socket: Socket): void {
    this.connect(socket, socket);
  }

  async shutdown(): Promise<void> {
    await this.disconnectRequest({}).catch(() => undefined);
    this.child?.kill();
  }
}

async function debugSession(args: string[]): Promise<void> {
  const client = new ProcessClient();
  client.spawnAdapter(args);
  try {
    const line = markerLine(basic, 'BP1');
    const stopped = client.waitForEvent('stopped', 10000) as Promise<DebugProtocol.StoppedEvent>;
    await Promise.all([
      client.waitForEvent('initialized', 10000).then(async () => {
        const response = await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line }] });
        assert.equal(response.body.breakpoints[0]!.verified, true);
        await client.configurationDoneRequest();
      }),
      client.launch({ program: basic }),
    ]);
    assert.equal((await stopped).body.reason, 'breakpoint');
    const trace = await client.stackTraceRequest({ threadId: 1 });
    assert.equal(trace.body.stackFrames[0]!.line, line);
    const exited = client.waitForEvent('exited', 10000) as Promise<DebugProtocol.ExitedEvent>;
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 7);
  } finally {
    await client.shutdown();
  }
}

test('node dist/adapter.js speaks DAP over stdio', async () => {
  await debugSession(['dist/adapter.js']);
});

test('hyperscope dap (dist/cli.js dap) speaks DAP over stdio', async () => {
  await debugSession(['dist/cli.js', 'dap']);
});

test('hyperscope dap rejects unknown options', () => {
  const result = spawnSync(process.execPath, ['dist/cli.js', 'dap', '--bogus'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown option '--bogus'/);
});

/** A free local TCP port (asked from the OS, then released). */
function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolvePort(port));
    });
  });
}

test('hyperscope dap --server=PORT serves DAP over TCP, one session per connection', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli.js', 'dap', `--server=${port}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolveListening, reject) => {
      let text = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes(`listening on 127.0.0.1:${port}`)) resolveListening();
      });
      child.on('exit', (code) => reject(new Error(`dap --server exited with ${code}: ${text}`)));
    });
    for (let session = 0; session < 2; session++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolveConnected) => socket.once('connect', resolveConnected));
      const client = new ProcessClient();
      client.connectSocket(socket);
      try {
        const stopped = client.waitForEvent('stopped', 10000) as Promise<DebugProtocol.StoppedEvent>;
        await Promise.all([client.waitForEvent('initialized', 10000).then(() => client.configurationDoneRequest()), client.launch({ program: basic, stopOnEntry: true })]);
        assert.equal((await stopped).body.reason, 'entry');
        assert.equal((await client.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.line, markerLine(basic, 'ENTRY'));
      } finally {
        await client.disconnectRequest({}).catch(() => undefined);
        socket.destroy();
      }
    }
  } finally {
    child.kill();
  }
});
