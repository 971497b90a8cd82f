import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine } from './client';

const basic = fixture('basic.hvasm');
const line = (marker: string): number => markerLine(basic, marker);

test('a line breakpoint is verified and hit, with its id in the stopped event', async () => {
  await withClient(async (client) => {
    let ids: number[] = [];
    const stopped = client.waitForEvent('stopped');
    await Promise.all([
      client.waitForEvent('initialized').then(async () => {
        const response = await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: line('BP1') }] });
        const bp = response.body.breakpoints[0]!;
        assert.equal(bp.verified, true);
        assert.equal(bp.line, line('BP1'));
        ids = [bp.id!];
        await client.configurationDoneRequest();
      }),
      client.launch({ program: basic }),
    ]);
    const stop = await stopped;
    assert.equal(stop.body.reason, 'breakpoint');
    assert.deepEqual(stop.body.hitBreakpointIds, ids);
    assert.equal((await client.topFrame()).line, line('BP1'));
    assert.equal(BigInt((await client.registers()).rax!.value), 1n);
  });
});

test('a line without code gets an unverified breakpoint with a reason', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const response = await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: line('NOCODE') }, { line: 1 }] });
    for (const bp of response.body.breakpoints) {
      assert.equal(bp.verified, false);
      assert.match(bp.message ?? '', /no instruction at line \d+/);
    }
  });
});

test('continue goes from one breakpoint to the next, then to the exit', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('BP1') }, { path: basic, line: line('AFTERCALL') }] });
    const second = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(second.body.reason, 'breakpoint');
    assert.equal((await client.topFrame()).line, line('AFTERCALL'));
    assert.equal(BigInt((await client.registers()).rax!.value), 4n);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 7);
  });
});

test('a function breakpoint stops at the label', async () => {
  await withClient(async (client) => {
    let verified = false;
    const stopped = client.waitForEvent('stopped');
    await Promise.all([
      client.waitForEvent('initialized').then(async () => {
        const response = await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'double' }, { name: 'nothing_here' }] });
        verified = response.body.breakpoints[0]!.verified;
        assert.equal(response.body.breakpoints[1]!.verified, false);
        assert.match(response.body.breakpoints[1]!.message ?? '', /no label named 'nothing_here'/);
        await client.configurationDoneRequest();
      }),
      client.launch({ program: basic }),
    ]);
    assert.equal(verified, true);
    const stop = await stopped;
    assert.equal(stop.body.reason, 'function breakpoint');
    const frame = await client.topFrame();
    assert.equal(frame.name, 'double');
    assert.equal(frame.line, line('DOUBLE'));
  });
});

test('an instruction breakpoint stops at the address (with offset)', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    // 0x100000: mov eax,1 (5 bytes); 0x100005: mov ecx,0x20 (5 bytes); 0x10000a: add eax,1
    const response = await client.send('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x100005', offset: 5 }, { instructionReference: 'hpa:0x1000' }] });
    assert.equal(response.body.breakpoints[0].verified, true);
    assert.equal(response.body.breakpoints[0].instructionReference, 'gva:0x10000a');
    assert.equal(response.body.breakpoints[1].verified, false);
    const stop = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'instruction breakpoint');
    assert.equal((await client.topFrame()).instructionPointerReference, '0x10000a');
    assert.equal((await client.topFrame()).line, line('BP1'));
  });
});

test('a conditional breakpoint stops only when the condition holds', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('LOOP'), condition: 'rdx == 2 && rcx > 0x10' }] });
    const regs = await client.registers();
    assert.equal(BigInt(regs.rdx!.value), 2n);
    assert.equal(await client.evaluate('edx', 'watch'), '0x2 (2)');
  });
});

test('a malformed condition leaves the breakpoint unverified with the parse error', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const response = await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: line('LOOP'), condition: 'rax ==' }] });
    assert.equal(response.body.breakpoints[0]!.verified, false);
    assert.match(response.body.breakpoints[0]!.message ?? '', /ends too early/);
  });
});

test('hit conditions: ">= 3" stops on the third pass, "% 2" on every second', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('LOOP'), hitCondition: '>= 3' }] });
    // edx counts 5,4,3...: the third arrival at dec edx has edx = 3
    assert.equal(BigInt((await client.registers()).rdx!.value), 3n);
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(BigInt((await client.registers()).rdx!.value), 2n);
  });
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('LOOP'), hitCondition: '% 2' }] });
    assert.equal(BigInt((await client.registers()).rdx!.value), 4n);
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(BigInt((await client.registers()).rdx!.value), 2n);
  });
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('LOOP'), hitCondition: '5' }] });
    assert.equal(BigInt((await client.registers()).rdx!.value), 1n);
  });
});

test('a bad hit condition is reported', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const response = await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: line('LOOP'), hitCondition: 'often' }] });
    assert.equal(response.body.breakpoints[0]!.verified, false);
    assert.match(response.body.breakpoints[0]!.message ?? '', /hit condition 'often' is not understood/);
  });
});

test('logpoints print with {expr} interpolation and do not stop', async () => {
  await withClient(async (client) => {
    const exited = client.waitForEvent('exited');
    await client.launchWith({ program: basic }, { lines: [{ path: basic, line: line('LOOP'), logMessage: 'edx={edx} rax={rax} {{literal}}' }] });
    await exited;
    const log = client.output.console ?? '';
    assert.match(log, /edx=0x5 rax=0x4 \{literal\}\nedx=0x4 rax=0x4 \{literal\}\nedx=0x3/);
    assert.equal((log.match(/edx=/g) ?? []).length, 5);
  });
});

test('clearing breakpoints lets the program run to its exit', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('LOOP') }] });
    await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [] });
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 7);
  });
});

test('a breakpoint on the entry instruction hits when not stopping on entry', async () => {
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('ENTRY') }] });
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await client.topFrame()).instructionPointerReference, '0x100000');
  });
});

test('a condition that cannot be evaluated stops and says why', async () => {
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('BP1'), condition: 'byte [0xffff800000000000] == 1' }] });
    assert.equal(stop.body.reason, 'breakpoint');
    assert.match(client.output.console ?? '', /condition failed \(cannot read 1 byte at 0xffff800000000000: not mapped\); stopping/);
  });
});
