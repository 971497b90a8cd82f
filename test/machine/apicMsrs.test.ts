import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { readMsr, writeMsr } from '../../src/machine/cpu/msrs';
import { CpuFault } from '../../src/machine/cpu/fault';
import { cpuidResult } from '../../src/machine/cpu/cpuidTable';
import { LocalApic } from '../../src/machine/apic/localApic';
import { divisorOf } from '../../src/machine/apic/apicTimer';

/** A machine whose APIC is in x2APIC mode, software-enabled (SVR 0x1ff). */
function x2apic(): Machine {
  const machine = new Machine({ memoryMB: 4 });
  machine.loadBare(new Uint8Array([0xf4]));
  writeMsr(machine.cpu, 0x1b, 0xfee00c00n);
  writeMsr(machine.cpu, 0x80f, 0x1ffn);
  return machine;
}

function gp(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof CpuFault && e.vector === 13 && e.errorCode === 0, what);
}

test('CPUID.1 reports the APIC, x2APIC (ECX bit 21) and the TSC-deadline timer (ECX bit 24); leaf 6 ARAT', () => {
  const [, , ecx, edx] = cpuidResult(1, 0);
  assert.ok(ecx & (1 << 21));
  assert.ok(ecx & (1 << 24));
  assert.ok(edx & (1 << 9));
  assert.ok(cpuidResult(6, 0)[0] & 4);
});

test('IA32_APIC_BASE: reset xAPIC at 0xfee00000 (BSP, EN); xAPIC → x2APIC allowed, x2APIC → xAPIC #GP, disabled → x2APIC #GP, reserved bits #GP', () => {
  const machine = new Machine({ memoryMB: 4 });
  machine.loadBare(new Uint8Array([0xf4]));
  const cpu = machine.cpu;
  assert.equal(readMsr(cpu, 0x1b), 0xfee00900n);
  gp(() => readMsr(cpu, 0x802), 'x2APIC MSRs #GP outside x2APIC mode');
  gp(() => writeMsr(cpu, 0x1b, 0xfee00400n), 'EXTD without EN');
  gp(() => writeMsr(cpu, 0x1b, 0xfee00801n), 'reserved bit 0');
  writeMsr(cpu, 0x1b, 0xfee00c00n);
  assert.equal(readMsr(cpu, 0x1b), 0xfee00d00n, 'BSP stays set (read-only)');
  assert.equal(readMsr(cpu, 0x802), 0n);
  gp(() => writeMsr(cpu, 0x1b, 0xfee00800n), 'x2APIC → xAPIC');
  writeMsr(cpu, 0x1b, 0xfee00000n);
  assert.equal(readMsr(cpu, 0x1b) & 0xc00n, 0n, 'x2APIC → disabled');
  gp(() => writeMsr(cpu, 0x1b, 0xfee00c00n), 'disabled → x2APIC');
  writeMsr(cpu, 0x1b, 0xfee00800n);
  writeMsr(cpu, 0x1b, 0xfee00c00n);
});

test('read-only registers: ID, version, PPR, LDR, ISR, TMR, IRR, current count — WRMSR #GP', () => {
  const cpu = x2apic().cpu;
  assert.equal(readMsr(cpu, 0x802), 0n);
  assert.equal(readMsr(cpu, 0x803), 0x00050014n, 'version 0x14, max LVT entry 5');
  assert.equal(readMsr(cpu, 0x80d), 0x1n, 'LDR of APIC ID 0: cluster 0, bit 0');
  for (const msr of [0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818, 0x81f, 0x820, 0x827, 0x839]) gp(() => writeMsr(cpu, msr, 0n), `WRMSR 0x${msr.toString(16)}`);
});

test('write-only registers: EOI and SELF IPI — RDMSR #GP; reserved MSRs #GP both ways', () => {
  const cpu = x2apic().cpu;
  gp(() => readMsr(cpu, 0x80b), 'RDMSR EOI');
  gp(() => readMsr(cpu, 0x83f), 'RDMSR SELF IPI');
  for (const msr of [0x800, 0x801, 0x804, 0x809, 0x80c, 0x80e, 0x829, 0x82f, 0x831, 0x83a, 0x83d, 0x840, 0x8ff]) {
    gp(() => readMsr(cpu, msr), `RDMSR 0x${msr.toString(16)}`);
    gp(() => writeMsr(cpu, msr, 0n), `WRMSR 0x${msr.toString(16)}`);
  }
});

test('reserved bits: bits 63:32 #GP except in the ICR; TPR bits 31:8, SVR bits 31:9, nonzero EOI and ESR #GP', () => {
  const cpu = x2apic().cpu;
  gp(() => writeMsr(cpu, 0x808, 0x100n), 'TPR bit 8');
  gp(() => writeMsr(cpu, 0x808, 1n << 32n), 'TPR bit 32');
  gp(() => writeMsr(cpu, 0x80f, 0x200n), 'SVR bit 9');
  gp(() => writeMsr(cpu, 0x80b, 1n), 'EOI nonzero');
  gp(() => writeMsr(cpu, 0x828, 1n), 'ESR nonzero');
  gp(() => writeMsr(cpu, 0x83f, 0x100n), 'SELF IPI bits 31:8');
  gp(() => writeMsr(cpu, 0x838, 1n << 32n), 'initial count bit 32');
  writeMsr(cpu, 0x830, 0xffffffff_000000f0n); // ICR takes 64 bits
  assert.equal(readMsr(cpu, 0x830), 0xffffffff_000000f0n);
  writeMsr(cpu, 0x808, 0x20n);
  assert.equal(readMsr(cpu, 0x808), 0x20n);
  writeMsr(cpu, 0x83e, 0xffn);
  assert.equal(readMsr(cpu, 0x83e), 0xbn, 'divide configuration keeps bits 0, 1 and 3');
});

test('LVT entries store their writable bits; software-disabled APIC forces the mask bit', () => {
  const cpu = x2apic().cpu;
  writeMsr(cpu, 0x832, 0x20040n); // periodic, vector 0x40
  assert.equal(readMsr(cpu, 0x832), 0x20040n);
  writeMsr(cpu, 0x835, 0xffffffffn);
  assert.equal(readMsr(cpu, 0x835), 0x1a7ffn, 'LINT0: delivery status and remote IRR are read-only');
  writeMsr(cpu, 0x837, 0x33n);
  assert.equal(readMsr(cpu, 0x837), 0x33n);
  writeMsr(cpu, 0x80f, 0xffn); // software disable
  assert.equal(readMsr(cpu, 0x832), 0x30040n);
  writeMsr(cpu, 0x832, 0x40n);
  assert.equal(readMsr(cpu, 0x832) & 0x10000n, 0x10000n, 'the mask cannot be cleared while disabled');
});

test('priority: PPR = max(TPR, ISRV) by class; only a vector of a higher class than the PPR is deliverable; EOI clears the highest ISR bit', () => {
  const apic = new LocalApic(0, () => 0);
  apic.accept(0x45);
  apic.accept(0x62);
  assert.equal(apic.deliverable(), 0x62);
  apic.acknowledge(0x62);
  assert.equal(apic.ppr, 0x60);
  assert.equal(apic.deliverable(), -1, '0x45 is below the in-service class 6');
  apic.accept(0x71);
  assert.equal(apic.deliverable(), 0x71);
  apic.acknowledge(0x71);
  apic.eoi();
  assert.equal(apic.isr[3], 1 << 2, 'EOI cleared 0x71, not 0x62');
  apic.eoi();
  assert.equal(apic.deliverable(), 0x45);
  apic.writeTpr(0x45);
  assert.equal(apic.ppr, 0x45);
  assert.equal(apic.deliverable(), -1, 'same class as the TPR: held');
  apic.writeTpr(0x3f);
  assert.equal(apic.deliverable(), 0x45);
});

test('self IPI (SELF IPI MSR and ICR fixed to self) sets the IRR; illegal vectors set ESR bits 5/6 after an ESR write', () => {
  const cpu = x2apic().cpu;
  writeMsr(cpu, 0x83f, 0x50n);
  assert.equal(readMsr(cpu, 0x822), 1n << 16n, 'IRR bit 0x50');
  writeMsr(cpu, 0x830, 0x40000n | 0x61n); // shorthand self, fixed
  assert.equal(readMsr(cpu, 0x823), 2n, 'IRR bit 0x61');
  writeMsr(cpu, 0x830, (5n << 32n) | 0x70n); // another APIC ID: nobody there
  assert.equal(readMsr(cpu, 0x823), 2n);
  writeMsr(cpu, 0x83f, 0x05n);
  assert.equal(readMsr(cpu, 0x828), 0n, 'errors are latched by the next ESR write');
  writeMsr(cpu, 0x828, 0n);
  assert.equal(readMsr(cpu, 0x828), 0x60n);
  assert.equal(readMsr(cpu, 0x80a), 0n);
});

test('divide configuration values: 2, 4, 8, 16, 32, 64, 128, 1', () => {
  assert.deepEqual([0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb].map(divisorOf), [2, 4, 8, 16, 32, 64, 128, 1]);
});

test('timer: one-shot counts down in instructions / divisor and stops at 0; periodic reloads; TSC-deadline reads and arms', () => {
  let now = 0;
  const apic = new LocalApic(0, () => now);
  apic.writeSvr(0x1ff);
  apic.writeLvt(0, 0x40);
  apic.timer.writeDivideConfig(0x1, apic.timerMode); // ÷4
  apic.timer.writeInitialCount(10, apic.timerMode);
  assert.equal(apic.timer.expiry, 40);
  now = 9;
  assert.equal(apic.timer.currentCount(apic.timerMode), 8);
  now = 40;
  apic.pollTimer();
  assert.equal(apic.deliverable(), 0x40);
  assert.equal(apic.timer.currentCount(apic.timerMode), 0);
  assert.equal(apic.timer.expiry, Infinity, 'one-shot: done');
  apic.acknowledge(0x40);
  apic.eoi();
  apic.writeLvt(0, 0x20041); // periodic
  apic.timer.writeDivideConfig(0xb, apic.timerMode); // ÷1
  apic.timer.writeInitialCount(100, apic.timerMode);
  now = 90;
  assert.equal(apic.timer.currentCount(apic.timerMode), 50);
  now = 140;
  apic.pollTimer();
  assert.equal(apic.deliverable(), 0x41);
  assert.equal(apic.timer.expiry, 240, 'periodic: next period');
  assert.equal(apic.timer.currentCount(apic.timerMode), 100, 'reloaded');
  now = 1000; // missed periods coalesce
  apic.pollTimer();
  assert.equal(apic.timer.expiry, 1040);
  apic.writeLvt(0, 0x10041 | 0x20000); // masked: counts but raises nothing
  apic.acknowledge(0x41);
  apic.eoi();
  now = 1040;
  apic.pollTimer();
  assert.equal(apic.deliverable(), -1);
  assert.equal(apic.timerWakeAt, Infinity, 'a masked timer wakes nobody');
  apic.writeLvt(0, 0x40042); // TSC-deadline: disarms the counting timer
  assert.equal(apic.timer.expiry, Infinity);
  apic.timer.writeTscDeadline(1500n, 1040n, apic.timerMode);
  assert.equal(apic.timer.expiry, 1500);
  now = 1500;
  apic.pollTimer();
  assert.equal(apic.deliverable(), 0x42);
  assert.equal(apic.timer.tscDeadline, 0n, 'the deadline clears when it fires');
});
