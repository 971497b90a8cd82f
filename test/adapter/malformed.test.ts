// Requests a careless or hostile client might send: each gets an error response naming
// the problem, and the adapter keeps working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, type HyperscopeClient } from './client';

const basic = fixture('basic.hvasm');

async function expectError(client: HyperscopeClient, command: string, args: unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(client.send(command, args), (e: Error) => {
    assert.match(e.message, pattern, `${command}: ${e.message}`);
    return true;
  });
}

/** The adapter still answers correctly. */
async function stillWorks(client: HyperscopeClient): Promise<void> {
  const threads = await client.threadsRequest();
  assert.equal(threads.body.threads[0]!.name, 'vCPU 0');
  assert.equal(await client.evaluate('rax + 1'), '0x1 (1)');
}

test('unknown commands are rejected by name', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    await expectError(client, 'frobnicate', {}, /unknown request 'frobnicate'/);
    await expectError(client, 'hyperscope/nothing', undefined, /unknown request 'hyperscope\/nothing'/);
    await stillWorks(client);
  });
});

test('missing arguments are named', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const cases: [string, unknown, RegExp][] = [
      ['setBreakpoints', undefined, /'setBreakpoints' request: argument 'source' is missing/],
      ['setBreakpoints', { breakpoints: [] }, /argument 'source' is missing/],
      ['setBreakpoints', { source: { path: basic }, breakpoints: [{}] }, /breakpoints\[0\]: argument 'line' is missing/],
      ['setFunctionBreakpoints', {}, /argument 'breakpoints' is missing/],
      ['setInstructionBreakpoints', { breakpoints: [{ offset: 1 }] }, /argument 'instructionReference' is missing/],
      ['continue', {}, /argument 'threadId' is missing/],
      ['next', undefined, /'next' request: argument 'threadId' is missing/],
      ['stackTrace', {}, /argument 'threadId' is missing/],
      ['scopes', {}, /argument 'frameId' is missing/],
      ['variables', {}, /argument 'variablesReference' is missing/],
      ['setVariable', { variablesReference: 1, name: 'rax' }, /argument 'value' is missing/],
      ['evaluate', {}, /argument 'expression' is missing/],
      ['readMemory', { memoryReference: 'gva:0x100000' }, /argument 'count' is missing/],
      ['writeMemory', { memoryReference: 'gva:0x100000' }, /argument 'data' is missing/],
      ['disassemble', { memoryReference: '0x100000' }, /argument 'instructionCount' is missing/],
      ['completions', { text: 'r' }, /argument 'column' is missing/],
      ['hyperscope/pageWalk', {}, /argument 'address' is missing/],
      ['hyperscope/writeVmcsField', { field: 'GUEST_RIP' }, /argument 'value' is missing/],
      ['hyperscope/writeVmcsField', { value: 1 }, /argument 'field' is missing/],
    ];
    for (const [command, args, pattern] of cases) await expectError(client, command, args, pattern);
    await stillWorks(client);
  });
});

test('wrong types are named', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const cases: [string, unknown, RegExp][] = [
      ['continue', { threadId: 'one' }, /argument 'threadId' must be an integer, got a string \("one"\)/],
      ['stackTrace', { threadId: 1.5 }, /'threadId' must be an integer/],
      ['variables', { variablesReference: null }, /'variablesReference' must be an integer, got null/],
      ['setBreakpoints', { source: 'basic.hvasm' }, /'source' must be an object, got a string/],
      ['setBreakpoints', { source: { path: basic }, breakpoints: [{ line: '12' }] }, /breakpoints\[0\]: argument 'line' must be an integer/],
      ['setBreakpoints', { source: { path: basic }, breakpoints: [7] }, /breakpoints\[0\] must be an object, got a number/],
      ['evaluate', { expression: 42 }, /'expression' must be a string, got a number/],
      ['readMemory', { memoryReference: 0x100000, count: 4 }, /'memoryReference' must be a string/],
      ['disassemble', { memoryReference: '0x100000', instructionCount: '4' }, /'instructionCount' must be an integer/],
      ['setFunctionBreakpoints', { breakpoints: 'double' }, /'breakpoints' must be an array/],
      ['scopes', [1], /arguments must be an object, got an array/],
      ['hyperscope/eptTables', { table: 0x1000, level: 3 }, /'table' must be a string, got a number/],
      ['hyperscope/eptTables', { table: '0x1000', level: 'three' }, /'level' must be an integer/],
      ['hyperscope/writeVmcsField', { field: 'GUEST_RIP', value: null }, /'value' must be an address \(number or string\), got null/],
      ['hyperscope/vmExits', { limit: 'all' }, /'limit' must be an integer/],
    ];
    for (const [command, args, pattern] of cases) await expectError(client, command, args, pattern);
    await stillWorks(client);
  });
});

test('well-typed but meaningless values are rejected by the handlers', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const cases: [string, unknown, RegExp][] = [
      ['stackTrace', { threadId: 7 }, /no thread 7/],
      ['variables', { variablesReference: 99999 }, /variablesReference 99999 does not exist/],
      ['setVariable', { variablesReference: 1, name: 'xmm0', value: '1' }, /'xmm0' is not a register/],
      ['readMemory', { memoryReference: 'elsewhere', count: 4 }, /'elsewhere' is not a memory reference/],
      ['readMemory', { memoryReference: 'gva:0x1000', count: -1 }, /count must be between/],
      ['readMemory', { memoryReference: 'gva:0x0000800000000000', count: 1 }, /not canonical/],
      ['writeMemory', { memoryReference: 'gva:0xffff800000000000', data: 'AAAA' }, /only 0 of 3 bytes/],
      ['disassemble', { memoryReference: 'nowhere', instructionCount: 1 }, /not a memory reference/],
      ['evaluate', { expression: '1 / 0' }, /division by zero/],
      ['evaluate', { expression: '(rax' }, /ends too early/],
      ['evaluate', { expression: 'rax ) 1' }, /unexpected '\)'/],
      ['evaluate', { expression: '#' }, /unexpected '#'/],
      ['setExceptionBreakpoints', { filters: ['vm-exit'] }, /unknown exception filter 'vm-exit'/],
      ['exceptionInfo', { threadId: 1 }, /did not stop on an exception/],
      ['hyperscope/pageWalk', { address: 'somewhere' }, /'somewhere' is not an address/],
      ['hyperscope/pageWalk', { address: 0x1000, access: 'fly' }, /access must be read, write or execute/],
      ['hyperscope/writeVmcsField', { field: 'GUEST_RIP', value: 1 }, /no current VMCS to edit/],
      ['hyperscope/writeVmcsField', { field: 'GUEST_RIP', value: 'rax +' }, /ends too early|no current VMCS/],
    ];
    for (const [command, args, pattern] of cases) await expectError(client, command, args, pattern);
    const empty = await client.setExceptionBreakpointsRequest({ filters: [] });
    assert.deepEqual(empty.body?.breakpoints ?? [], []);
    await stillWorks(client);
  });
});

test('requests before launch fail politely instead of crashing', async () => {
  await withClient(async (client) => {
    await client.initializeRequest();
    await expectError(client, 'stackTrace', { threadId: 1 }, /no program is running: send launch first/);
    await expectError(client, 'evaluate', { expression: 'rax' }, /no program is running/);
    await expectError(client, 'continue', { threadId: 1 }, /no program is running/);
    await expectError(client, 'readMemory', { memoryReference: 'gva:0', count: 1 }, /no program is running/);
    // breakpoints set before launch are kept and resolved when the program loads
    const early = await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: 12 }] });
    assert.equal(early.body.breakpoints[0]!.verified, false);
    const changed = client.waitForEvent('breakpoint');
    const stopped = client.waitForEvent('stopped');
    await Promise.all([client.waitForEvent('initialized').then(() => client.configurationDoneRequest()), client.launchRequest({ program: basic } as never)]);
    assert.equal(((await changed).body as { breakpoint: { verified: boolean } }).breakpoint.verified, true);
    assert.equal((await stopped).body.reason, 'breakpoint');
  });
});

test('attach is refused with a reason', async () => {
  await withClient(async (client) => {
    await client.initializeRequest();
    await expectError(client, 'attach', { program: basic }, /attach is not supported/);
  });
});

test('capabilities are stated truthfully', async () => {
  await withClient(async (client) => {
    const response = await client.initializeRequest();
    const caps = response.body!;
    for (const cap of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsConditionalBreakpoints', 'supportsHitConditionalBreakpoints', 'supportsLogPoints', 'supportsInstructionBreakpoints', 'supportsSetVariable', 'supportsReadMemoryRequest', 'supportsWriteMemoryRequest', 'supportsDisassembleRequest', 'supportsSteppingGranularity', 'supportsCompletionsRequest', 'supportsRestartRequest', 'supportsTerminateRequest', 'supportsExceptionInfoRequest', 'supportsStepBack'] as const) {
      assert.equal(caps[cap], true, cap);
    }
    assert.equal(caps.supportsDataBreakpoints, true);
    assert.equal(caps.supportsExceptionFilterOptions, true);
    assert.ok((caps.exceptionBreakpointFilters ?? []).length > 0);
    assert.ok((caps.exceptionBreakpointFilters ?? []).every((f) => f.supportsCondition === true && f.default === false));
  });
});

test('a disconnect while launch waits for configurationDone leaves nothing running', async () => {
  await withClient(async (client) => {
    await client.initializeRequest();
    const initialized = client.waitForEvent('initialized');
    const launched = client.launchRequest({ program: fixture('runaway.hvasm') } as never);
    await initialized;
    await client.disconnectRequest({});
    await client.configurationDoneRequest();
    await launched;
    await expectError(client, 'stackTrace', { threadId: 1 }, /no program is running/);
  });
});
