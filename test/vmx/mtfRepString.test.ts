/**
 * Monitor trap flag with REP string instructions (SDM 25.5.2): an MTF VM exit follows
 * each iteration; until rCX runs out (or REPE/REPNE stops) the saved guest RIP is still
 * the string instruction and rCX is one lower each time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, type CpuTest } from '../machine/cpuRunner';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const MTF = 1 << 27;
const LOG = 0x302000;

// Host (r8-r10 only: the guest's other GPRs stay live): on each MTF exit, log (exit reason, guest RIP, guest RCX) and resume; stop at VMCALL.
const HOST = `
  mov r9, VM_EXIT_REASON
  vmread r8, r9
  cmp r8, 18
  je .done
  mov r10, r13
  shl r10, 4
  mov r9, GUEST_RIP
  vmread r8, r9
  mov [${LOG} + r10], r8
  mov [${LOG} + r10 + 8], rcx
  inc r13
  cmp r13, 64
  jae .done
  vmresume
.done:
  hlt`;

/** Runs `guest` with MTF; the logged exits as [guest RIP, guest RCX]. */
function mtfLog(guest: string): { exits: [number, number][]; t: CpuTest } {
  const t = vmxTest({ primary: Defaults.primary | MTF, setup: '  xor r13, r13', guest, host: HOST }).runToStop();
  assert.equal(t.machine.vmx.lastEntryFailure?.describe(), undefined);
  const count = Number(t.cpu.getGpr(13));
  const exits: [number, number][] = [];
  const view = new DataView(t.machine.mem.peek(LOG, count * 16).buffer);
  for (let i = 0; i < count; i++) exits.push([Number(view.getBigUint64(i * 16, true)), Number(view.getBigUint64(i * 16 + 8, true))]);
  return { exits, t };
}

test('MTF: REP STOSB exits after each iteration, RIP at the instruction until RCX = 0', { skip }, () => {
  const { exits, t } = mtfLog('  mov rdi, 0x300000\n  mov rcx, 5\n  mov al, 0xab\n  rep stosb\n  vmcall');
  // exits: after the three MOVs, then one per iteration
  const repAt = exits[2]![0];
  const after = exits[exits.length - 1]![0];
  assert.equal(exits.length, 3 + 5, JSON.stringify(exits));
  assert.deepEqual(exits.slice(3).map(([rip, rcx]) => [rip - repAt, rcx]), [
    [0, 4],
    [0, 3],
    [0, 2],
    [0, 1],
    [after - repAt, 0],
  ]);
  assert.equal(after - repAt, 2, 'rep stosb is 2 bytes; the last exit is at the next instruction');
  assert.deepEqual([...t.machine.mem.peek(0x300000, 6)], [0xab, 0xab, 0xab, 0xab, 0xab, 0]);
});

test('MTF: REPE CMPSB stops early on a mismatch (RIP moves on with RCX left over)', { skip }, () => {
  const { exits } = mtfLog(
    '  mov dword [0x300000], 0x44332211\n  mov dword [0x300100], 0x44ff2211\n  mov rsi, 0x300000\n  mov rdi, 0x300100\n  mov rcx, 4\n  repe cmpsb\n  vmcall',
  );
  const repAt = exits[4]![0];
  assert.deepEqual(exits.slice(5).map(([rip, rcx]) => [rip - repAt, rcx]), [
    [0, 3],
    [0, 2],
    [2, 1],
  ]);
});

test('MTF: a REP with RCX = 0 is one instruction, one exit', { skip }, () => {
  const { exits } = mtfLog('  xor ecx, ecx\n  rep movsb\n  vmcall');
  assert.equal(exits.length, 2);
  assert.equal(exits[1]![0] - exits[0]![0], 2);
});

test('MTF: REP OUTSB exits after each iteration too', { skip }, () => {
  const { exits } = mtfLog('  mov dx, 0x80\n  mov rsi, 0x300000\n  mov rcx, 3\n  rep outsb\n  vmcall');
  const repAt = exits[2]![0];
  assert.deepEqual(exits.slice(3).map(([rip, rcx]) => [rip - repAt, rcx]), [
    [0, 2],
    [0, 1],
    [2, 0],
  ]);
});
