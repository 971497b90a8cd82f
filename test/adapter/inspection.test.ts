import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine, type HyperscopeClient } from './client';
import { CustomRequest, type PageTablesResult, type PageWalkResult, type RegistersResult } from '../../src/protocol/dap';

const basic = fixture('basic.hvasm');
const line = (marker: string): number => markerLine(basic, marker);
/** Address of `value: dq 0x1122334455667788` in basic.hvasm. */
const VALUE = 0x100033;

async function atBp1(client: HyperscopeClient): Promise<void> {
  await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('BP1') }] });
}

test('registers: GPRs, rip and rflags in hex with decoded flags', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const scopes = await client.scopesRequest({ frameId: 1 });
    assert.deepEqual(
      scopes.body.scopes.map((s) => [s.name, s.presentationHint]),
      [['Registers', 'registers'], ['Stack', undefined]],
    );
    const regs = await client.registers();
    assert.equal(regs.rax!.value, '0x0000000000000001');
    assert.equal(regs.rcx!.value, '0x0000000000000020');
    assert.equal(regs.rsp!.value, '0x00000000000ff000');
    assert.equal(regs.rsp!.memoryReference, 'gva:0xff000');
    assert.equal(regs.rip!.value, '0x000000000010000a');
    assert.match(regs.rflags!.value, /^0x2 \[\]$|^0x[0-9a-f]+ \[.*\]$/);
    const flags = await client.readVariables(regs.rflags!.variablesReference);
    for (const name of ['CF', 'PF', 'AF', 'ZF', 'SF', 'TF', 'IF', 'DF', 'OF', 'IOPL']) assert.ok(flags[name], `flag ${name}`);
    assert.equal(flags.IF!.value, '0');
    assert.equal(flags.ZF!.evaluateName, 'zf');
  });
});

test('registers: CR0 and EFER decoded bit by bit, segments with their hidden parts', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const regs = await client.registers();
    assert.equal(regs.cr0!.value, '0x80010033 [PE MP ET NE WP PG]');
    const cr0 = await client.readVariables(regs.cr0!.variablesReference);
    assert.equal(cr0.PG!.value, '1 (paging)');
    assert.equal(cr0.WP!.value, '1 (write protect)');
    assert.equal(cr0.CD!.value, '0 (cache disable)');
    assert.equal(regs.cr3!.value, '0x5000 []');
    assert.equal(regs.cr4!.value, '0x20 [PAE]');
    assert.equal(regs.efer!.value, '0xd01 [SCE LME LMA NXE]');
    const efer = await client.readVariables(regs.efer!.variablesReference);
    assert.equal(efer.LMA!.value, '1 (long mode active)');
    const cs = await client.readVariables(regs.cs!.variablesReference);
    assert.match(cs.selector!.value, /^0x0008 \(index 1, GDT, RPL 0\)$/);
    const rights = await client.readVariables(cs['access rights']!.variablesReference);
    assert.equal(rights.L!.value, '1 (64-bit code segment)');
    assert.equal(rights.DPL!.value, '0 (descriptor privilege level)');
  });
});

test('the Stack scope shows qwords from RSP with the labels they point into', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('DOUBLE') }] });
    const scopes = await client.scopesRequest({ frameId: 1 });
    const stack = await client.readVariables(scopes.body.scopes[1]!.variablesReference);
    assert.equal(stack['[rsp+0x0]']!.value, '0x0000000000100012 <start+0x12>');
    assert.equal(stack['[rsp+0x0]']!.memoryReference, 'gva:0xfeff8');
    assert.equal(await client.evaluate(stack['[rsp+0x0]']!.evaluateName!, 'watch'), '0x100012 (1048594) <start+0x12>');
    assert.equal(Object.keys(stack).length, 32);
  });
});

test('setVariable edits GPRs, rip and flags, and rejects what it cannot take', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const regs = await client.registers();
    const set = (name: string, value: string, ref = 1) => client.setVariableRequest({ variablesReference: ref, name, value });
    assert.equal((await set('rax', '0x41')).body.value, '0x0000000000000041');
    assert.equal((await set('rbx', 'rax + 1')).body.value, '0x0000000000000042');
    assert.equal((await set('ecx', '-1')).body.value, '0xffffffff');
    assert.equal((await set('cf', '1', regs.rflags!.variablesReference)).body.value, '1');
    await assert.rejects(set('al', '0x1ff'), /al is 8 bits wide/);
    await assert.rejects(set('rip', '0x0000800000000000'), /canonical/);
    await assert.rejects(set('cr0', '0'), /read-only/);
    await assert.rejects(set('rax', 'banana'), /unknown register or symbol 'banana'/);
    await assert.rejects(set('rflags', '0x8000'), /reserved bits/);
    const after = await client.registers();
    assert.equal(after.rax!.value, '0x0000000000000041');
    assert.equal(after.rcx!.value, '0x00000000ffffffff');
    assert.match(after.rflags!.value, /\[CF/);
    // the edit is what the program sees: add eax, 1 runs on the new value
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.registers()).rax!.value, '0x0000000000000042');
  });
});

test('readMemory in gva, gpa and hpa, with unreadable bytes past RAM', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true, memoryMB: 4 });
    for (const space of ['gva', 'gpa', 'hpa']) {
      const response = await client.send('readMemory', { memoryReference: `${space}:0x${VALUE.toString(16)}`, count: 8 });
      assert.equal(Buffer.from(response.body.data, 'base64').toString('hex'), '8877665544332211', space);
      assert.equal(response.body.address, `0x${VALUE.toString(16)}`);
    }
    const offset = await client.send('readMemory', { memoryReference: 'gva:0x100030', offset: 3, count: 2 });
    assert.equal(Buffer.from(offset.body.data, 'base64').toString('hex'), '8877');
    // 4 MiB of RAM: physical 0x3ffffe is the last word; gva maps 1:1 there too
    const edge = await client.send('readMemory', { memoryReference: 'hpa:0x3ffffe', count: 4 });
    assert.equal(Buffer.from(edge.body.data, 'base64').length, 2);
    assert.equal(edge.body.unreadableBytes, 2);
    const unmapped = await client.send('readMemory', { memoryReference: 'gva:0xffff800000000000', count: 16 });
    assert.equal(unmapped.body.unreadableBytes, 16);
  });
});

test('writeMemory changes guest memory, in every space, and refuses partial writes', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true, memoryMB: 4 });
    const stateChanged = client.waitForEvent('hyperscope/stateChanged');
    const memoryEvent = client.waitForEvent('memory');
    const write = (ref: string, hex: string, allowPartial?: boolean) => client.send('writeMemory', { memoryReference: ref, data: Buffer.from(hex, 'hex').toString('base64'), allowPartial });
    const read = async (ref: string, count: number) => Buffer.from((await client.send('readMemory', { memoryReference: ref, count })).body.data, 'base64').toString('hex');
    assert.equal((await write(`gva:0x${VALUE.toString(16)}`, 'aabb')).body.bytesWritten, 2);
    assert.equal(await read(`hpa:0x${VALUE.toString(16)}`, 4), 'aabb6655');
    assert.deepEqual((await stateChanged).body, { what: 'memory' });
    assert.deepEqual((await memoryEvent).body, { memoryReference: `gva:0x${VALUE.toString(16)}`, offset: 0, count: 2 });
    await write(`gpa:0x${(VALUE + 2).toString(16)}`, 'cc');
    assert.equal(await read(`gva:0x${VALUE.toString(16)}`, 4), 'aabbcc55');
    assert.equal(BigInt(await client.evaluate('qword [value]').then((r) => r.split(' ')[0]!)), 0x1122334455ccbbaan);
    await assert.rejects(write('hpa:0x3ffffe', '01020304'), /only 2 of 4 bytes/);
    assert.equal((await write('hpa:0x3ffffe', '01020304', true)).body.bytesWritten, 2);
  });
});

test('writing code re-decodes it: patched instructions execute', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    // patch mov eax, 1 (b8 01 00 00 00) into mov eax, 0x99
    await client.send('writeMemory', { memoryReference: 'gva:0x100001', data: Buffer.from([0x99]).toString('base64') });
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.registers()).rax!.value, '0x0000000000000099');
  });
});

test('disassemble: NASM syntax, bytes, symbols and source lines, forwards and backwards', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const forward = await client.send('disassemble', { memoryReference: '0x100000', instructionCount: 4 });
    const list = forward.body.instructions;
    assert.deepEqual(
      list.map((i: { instruction: string }) => i.instruction),
      ['mov     eax, 1', 'mov     ecx, 0x20', 'add     eax, 1', 'call    0x10002f'],
    );
    assert.equal(list[0].address, '0x100000');
    assert.equal(list[0].instructionBytes, 'b8 01 00 00 00');
    assert.equal(list[0].symbol, 'start');
    assert.equal(list[0].location.path, basic);
    assert.equal(list[2].line, line('BP1'));
    const around = await client.send('disassemble', { memoryReference: '0x10000a', instructionOffset: -2, instructionCount: 4 });
    assert.deepEqual(
      around.body.instructions.map((i: { address: string }) => i.address),
      ['0x100000', '0x100005', '0x10000a', '0x10000d'],
    );
    // the shape VS Code's disassembly view asks for: 200 before, 200 after
    const view = await client.send('disassemble', { memoryReference: '0x10000a', offset: 0, instructionOffset: -200, instructionCount: 400, resolveSymbols: true });
    assert.equal(view.body.instructions.length, 400);
    assert.equal(view.body.instructions[200].address, '0x10000a');
    assert.equal(view.body.instructions[199].address, '0x100005');
    const unmapped = await client.send('disassemble', { memoryReference: 'gva:0xffff800000000000', instructionCount: 2 });
    assert.equal(unmapped.body.instructions.length, 2);
    assert.equal(unmapped.body.instructions[0].presentationHint, 'invalid');
  });
});

test('evaluate: registers, arithmetic, memory, labels; hover stays quiet on unknown words', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    assert.equal(await client.evaluate('rax'), '0x1 (1)');
    assert.equal(await client.evaluate('rax+8'), '0x9 (9)');
    assert.equal(await client.evaluate('rcx * 2 == 0x40'), '0x1 (1)');
    assert.equal(await client.evaluate('qword [0x100033]'), '0x1122334455667788 (1234605616436508552)');
    assert.equal(await client.evaluate('byte [value + 1]'), '0x77 (119)');
    assert.equal(await client.evaluate('cf', 'watch'), '0');
    assert.match(await client.evaluate('double'), /^0x10002f \(1048623\) <double>$/);
    const evalResponse = await client.evaluateRequest({ expression: 'value', context: 'watch' });
    assert.equal(evalResponse.body.memoryReference, 'gva:0x100033');
    assert.equal(await client.evaluate('[rsp]'), '0x0 (0)');
    await assert.rejects(client.evaluate('[0xffff800000000000]'), /not mapped/);
    await assert.rejects(client.evaluate('rax +'), /ends too early/);
    await assert.rejects(client.evaluate('banana', 'hover'), /not a register or label/);
  });
});

test('console commands: help, translate (the walk step by step), tlb, regs', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    assert.match(await client.evaluate('help'), /translate <gva>/);
    const walk = await client.evaluate('translate rip');
    assert.match(walk, /^translate 0x10000a/);
    assert.match(walk, /PML4\[0\]\s+@ 0x5000/);
    assert.match(walk, /PDPT\[0\]\s+@ 0x6000/);
    assert.match(walk, /PD\[0\]\s+@ 0x7000 .* PS .*→ 2 MiB page/);
    assert.match(walk, /gva 0x10000a → gpa 0x10000a → hpa 0x10000a/);
    const fault = await client.evaluate('translate 0x7fff00000000');
    assert.match(fault, /fault: PML4 entry 255 is not present/);
    assert.match(await client.evaluate('translate 0x800000000000'), /not a canonical address/);
    const tlb = await client.evaluate('tlb');
    assert.match(tlb, /TLB: \d+ valid entr/);
    assert.match(tlb, /0x0000000000100000 → 0x000000100000  S:rwx U:rwx/);
    const regs = await client.evaluate('regs');
    assert.match(regs, /rax 0x0000000000000001/);
    assert.match(regs, /rip 0x000000000010000a/);
    await assert.rejects(client.evaluate('translate'), /usage: translate <gva>/);
    assert.match(await client.evaluate('translate gpa:0x1000'), /no EPT is active here[\s\S]*gpa 0x1000 → hpa 0x1000/);
  });
});

test('completions offer commands and registers', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const commands = await client.completionsRequest({ text: 'tr', column: 3 });
    assert.deepEqual(commands.body.targets.map((t) => t.label), ['translate']);
    const registers = await client.completionsRequest({ text: 'translate r1', column: 13 });
    const labels = registers.body.targets.map((t) => t.label);
    assert.ok(labels.includes('r10') && labels.includes('r15d'), labels.join(' '));
    assert.ok(!labels.includes('translate'));
    const symbols = await client.completionsRequest({ text: 'dou', column: 4 });
    assert.deepEqual(symbols.body.targets.map((t) => t.label), ['double']);
  });
});

test('custom requests: page walk and registers', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const walk = (await client.customRequest(CustomRequest.pageWalk, { address: '0x100000' })).body as PageWalkResult;
    assert.equal(walk.ok, true);
    assert.equal(walk.physical, '0x100000');
    assert.deepEqual(
      walk.steps.map((s) => [s.levelName, s.outcome]),
      [['PML4', 'next'], ['PDPT', 'next'], ['PD', 'leaf']],
    );
    assert.equal(walk.pageSize, 0x200000);
    assert.equal(walk.tlbHit, true, 'the code page being executed is in the TLB');
    const cold = (await client.customRequest(CustomRequest.pageWalk, { address: '0x7000000' })).body as PageWalkResult;
    assert.equal(cold.tlbHit, false, 'a page nobody touched is not in the TLB');
    const registers = (await client.customRequest(CustomRequest.registers)).body as RegistersResult;
    assert.equal(registers.values.rax, '0x0000000000000001');
    assert.equal(registers.segments.cs!.selector, '0x0008');
    assert.equal(registers.instret, 2);
  });
});

test('custom request: the page-table tree from CR3, bounded', async () => {
  await withClient(async (client) => {
    await atBp1(client);
    const tree = (await client.customRequest(CustomRequest.pageTables, { maxEntries: 10 })).body as PageTablesResult;
    assert.equal(tree.cr3, '0x5000');
    assert.equal(tree.entries, 10);
    assert.equal(tree.truncated, true);
    const pml4 = tree.roots[0]!;
    assert.deepEqual([pml4.levelName, pml4.index, pml4.entryAddress, pml4.linearBase], ['PML4', 0, '0x5000', '0x0']);
    const pdpt = pml4.children![0]!;
    assert.equal(pdpt.levelName, 'PDPT');
    const pd = pdpt.children!;
    assert.equal(pd.length, 8);
    assert.deepEqual([pd[1]!.levelName, pd[1]!.pageSize, pd[1]!.frame, pd[1]!.linearBase], ['PD', 0x200000, '0x200000', '0x200000']);
    assert.ok(pd[1]!.flags.includes('PS'));
    const whole = (await client.customRequest(CustomRequest.pageTables)).body as PageTablesResult;
    assert.equal(whole.entries, 512);
  });
});

test('exceptionInfo describes an unimplemented instruction stop', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    // 0f 0b = ud2 is implemented (#UD with no IDT → triple fault); use it to reach an exception stop
    await client.send('writeMemory', { memoryReference: 'gva:0x100000', data: Buffer.from([0x0f, 0x0b]).toString('base64') });
    const stop = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.text ?? '', /triple fault/);
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'triple-fault');
    assert.match(info.body.description ?? '', /#UD/);
    // continuing after a triple fault ends the session
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 1);
  });
});
