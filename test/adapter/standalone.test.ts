// The adapter as its own process: `node dist/adapter.js` and `node dist/cli.js dap`, over
// stdio. Builds the bundles first (esbuild, a few seconds).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
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
