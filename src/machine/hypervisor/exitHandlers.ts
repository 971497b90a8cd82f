/**
 * The built-in hypervisor's VM-exit handlers, the way KVM plus a user-space VMM would
 * handle them: emulate, advance the guest RIP by the exit instruction length, and let
 * the host stub VMRESUME — or stop the machine with a reason a user can act on.
 * Guest GPRs other than RSP are in the CPU (a VM exit does not switch them).
 */
import type { Cpu } from '../cpu/cpu';
import { cpuidResult } from '../cpu/cpuidTable';
import { CpuFault, gp0 } from '../cpu/fault';
import { readMsr, writeMsr } from '../cpu/msrs';
import { ExitReason, exitReasonName } from '../vmx/exitReasons';
import { F } from '../vmx/fields';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxUnit } from '../vmx/vmxUnit';
import { hypercallName, kvmErrorName, runHypercall } from './hypercalls';
import { canonical, validPat } from '../vmx/entryCheck';
import { traceGuestWalk } from '../vmx/guestWalk';
import { Access } from '../paging/types';
import { HostLayout, HYPERVISOR_SIGNATURE } from './layout';
import type { MmioEmulator } from './mmioEmulation';
import type { EptBalloon } from './balloonEpt';
import type { GuestInterrupts } from './injection';
import type { HypercallMonitor } from '../xen/hypercallLog';
import type { XenPlatform } from '../xen/platform';
import { Interruptibility } from '../vmx/guestState';

export interface ExitContext {
  readonly cpu: Cpu;
  readonly unit: VmxUnit;
  readonly vmcs: Vmcs;
  readonly guestMemoryBytes: number;
  /** Guest-physical device register pages the hypervisor emulates (virtio-mmio). */
  readonly mmio?: MmioEmulator;
  /** Guest RAM given back through virtio-balloon (unmapped in EPT). */
  readonly balloon?: EptBalloon;
  /** The guest's virtual x2APIC and pending interrupts. */
  readonly interrupts: GuestInterrupts;
  /** Hypercall log, counts and listeners (both personalities). */
  readonly hypercalls: HypercallMonitor;
  /** The Xen personality (GuestModeOptions.paravirt = 'xen'), else undefined (KVM-style). */
  readonly xen: XenPlatform | undefined;
}

export type ExitHandler = (ctx: ExitContext) => void;

const hex = (value: number | bigint): string => '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);

function guestRip(ctx: ExitContext): bigint {
  return ctx.vmcs.get(F.GUEST_RIP);
}

/** Emulation done: RIP past the instruction, and the STI / MOV-SS shadow it was under has ended. */
function skipInstruction(ctx: ExitContext): void {
  // Guest RIP as a signed-canonical number: no BigInt on the hot path.
  ctx.vmcs.setNumber(F.GUEST_RIP, ctx.vmcs.getLinear(F.GUEST_RIP) + ctx.vmcs.get32(F.VM_EXIT_INSTRUCTION_LEN));
  const interruptibility = ctx.vmcs.get32(F.GUEST_INTERRUPTIBILITY_INFO);
  if (interruptibility & (Interruptibility.Sti | Interruptibility.MovSs)) ctx.vmcs.setNumber(F.GUEST_INTERRUPTIBILITY_INFO, interruptibility & ~(Interruptibility.Sti | Interruptibility.MovSs));
}

function setRax(cpu: Cpu, value: bigint): void {
  cpu.setGpr(0, value);
}

/** Reflects an exception into the guest on the next entry (#GP(0) for refused MSR accesses). */
function injectGp(ctx: ExitContext): void {
  ctx.vmcs.set(F.VM_ENTRY_INTR_INFO, 0x80000b0dn);
  ctx.vmcs.set(F.VM_ENTRY_EXCEPTION_ERROR_CODE, 0n);
}

/** Guest-physical bytes (undefined outside guest RAM). */
export function readGuestPhysical(ctx: ExitContext, gpa: number, length: number): Uint8Array | undefined {
  if (gpa < 0 || length < 0 || gpa + length > ctx.guestMemoryBytes) return undefined;
  return ctx.cpu.mem.peek(HostLayout.guestRamBase + gpa, length);
}

function signatureDwords(): [number, number, number] {
  const d = (at: number): number => [0, 1, 2, 3].reduce((v, i) => v | (HYPERVISOR_SIGNATURE.charCodeAt(at + i) << (8 * i)), 0) >>> 0;
  return [d(0), d(4), d(8)];
}

const HYPERVISOR_LEAF: readonly number[] = [0x40000001, ...signatureDwords()];
const ZERO_LEAF: readonly number[] = [0, 0, 0, 0];

const cpuid: ExitHandler = (ctx) => {
  const cpu = ctx.cpu;
  const leaf = cpu.lo[0]!;
  const subleaf = cpu.lo[1]!;
  let regs: readonly number[];
  if (ctx.xen !== undefined && leaf >>> 8 === 0x400000) regs = ctx.xen.cpuid(leaf, subleaf)!;
  else if (leaf === 0x40000000) regs = HYPERVISOR_LEAF;
  else if (leaf === 0x40000001) regs = ZERO_LEAF;
  else {
    const r = cpuidResult(leaf, subleaf);
    // Leaf 1: no VMX for the guest (no nested virtualization), and the "hypervisor present" bit 31.
    regs = leaf === 1 ? [r[0], r[1], ((r[2] & ~(1 << 5)) | (1 << 31)) >>> 0, r[3]] : r;
  }
  // EAX, EBX, ECX, EDX zero-extended into RAX, RBX, RCX, RDX.
  cpu.lo[0] = regs[0]! >>> 0;
  cpu.lo[3] = regs[1]! >>> 0;
  cpu.lo[1] = regs[2]! >>> 0;
  cpu.lo[2] = regs[3]! >>> 0;
  cpu.hi[0] = cpu.hi[3] = cpu.hi[1] = cpu.hi[2] = 0;
  skipInstruction(ctx);
};

const io: ExitHandler = (ctx) => {
  const q = Number(ctx.vmcs.get(F.EXIT_QUALIFICATION));
  const size = (q & 7) + 1;
  const input = (q & 8) !== 0;
  const port = q >>> 16;
  if (q & 0x10) return stringIo(ctx, port, size, input, (q & 0x20) !== 0);
  const cpu = ctx.cpu;
  if (input) {
    const value = cpu.io.in(port, size);
    const mask = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    // IN to EAX zero-extends into RAX; IN to AL/AX keeps the other bits.
    if (size === 4) cpu.setGpr(0, BigInt(value >>> 0));
    else cpu.lo[0] = ((cpu.lo[0]! & ~mask) | (value & mask)) >>> 0;
  } else cpu.io.out(port, size, cpu.lo[0]! & (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1));
  skipInstruction(ctx);
};

function readPhysical(cpu: Cpu, address: number, size: number): number {
  return size === 1 ? cpu.mem.read8(address) : size === 2 ? cpu.mem.read16(address) : cpu.mem.read32(address);
}

function writePhysical(cpu: Cpu, address: number, size: number, value: number): void {
  if (size === 1) cpu.mem.write8(address, value & 0xff);
  else if (size === 2) cpu.mem.write16(address, value & 0xffff);
  else cpu.mem.write32(address, value >>> 0);
}

/**
 * INS/OUTS (with REP: all RCX elements at once): each element's guest-linear address is
 * translated through the guest page tables and EPT; RSI/RDI and RCX are updated as the
 * instruction would (64-bit address size).
 */
function stringIo(ctx: ExitContext, port: number, size: number, input: boolean, rep: boolean): void {
  const cpu = ctx.cpu;
  const count = rep ? Number(cpu.getGpr(1) & 0xffffffffn) : 1;
  const step = ctx.vmcs.get32(F.GUEST_RFLAGS) & 0x400 ? -size : size;
  let linear = Number(BigInt.asIntN(64, ctx.vmcs.get(F.GUEST_LINEAR_ADDRESS)));
  for (let i = 0; i < count; i++, linear += step) {
    const trace = traceGuestWalk(ctx.unit, linear, input ? Access.Write : Access.Read);
    if (trace?.physical === undefined) {
      ctx.cpu.requestStop('vm-exit', `string I/O at guest RIP ${hex(guestRip(ctx))}: guest-linear ${hex(linear)} does not translate (${trace?.fault ?? 'no VMCS'})`);
      return;
    }
    if (input) writePhysical(cpu, trace.physical, size, cpu.io.in(port, size));
    else cpu.io.out(port, size, readPhysical(cpu, trace.physical, size));
  }
  const index = input ? 7 : 6;
  cpu.setGpr(index, cpu.getGpr(index) + BigInt(count * step));
  if (rep) cpu.setGpr(1, 0n);
  skipInstruction(ctx);
}

/**
 * HLT: with RFLAGS.IF = 1 and an interrupt pending, the injection before VMRESUME wakes
 * the guest; with the virtual APIC timer armed, time skips ahead to its expiry (time is
 * instructions: nothing else would run meanwhile); with nothing that can wake it, stop.
 */
const hlt: ExitHandler = (ctx) => {
  skipInstruction(ctx);
  const interrupts = ctx.interrupts;
  if (interrupts.canWake(ctx.vmcs)) {
    if (interrupts.pending()) return; // injected before VMRESUME
    // Whichever timer expires first wakes it: the virtual APIC's or a Xen timer (VIRQ_TIMER upcall).
    const xenFirst = ctx.xen !== undefined && ctx.xen.timers.nextExpiry() < interrupts.apic.timerWakeAt;
    if (xenFirst && ctx.xen!.timers.wakeHalted(ctx.vmcs)) return;
    return interrupts.skipToTimer();
  }
  if (ctx.xen?.timers.wakeHalted(ctx.vmcs)) return; // a Xen timer's VIRQ_TIMER upcall wakes it
  ctx.cpu.requestStop('halt', `guest executed HLT at ${hex(guestRip(ctx) - ctx.vmcs.get(F.VM_EXIT_INSTRUCTION_LEN))} (HLT exiting: the hypervisor stopped the VM)`);
};

/** VMCALL: a Xen hypercall (xen/platform.ts) or a KVM-style one (hypercalls.ts); both are logged. */
const vmcall: ExitHandler = (ctx) => {
  const cpu = ctx.cpu;
  if (ctx.xen !== undefined) {
    ctx.xen.handleVmcall(guestRip(ctx));
    skipInstruction(ctx);
    return;
  }
  const number = Number(cpu.getGpr(0) & 0xffffffffn);
  const args: [bigint, bigint, bigint, bigint] = [cpu.getGpr(3), cpu.getGpr(1), cpu.getGpr(2), cpu.getGpr(6)];
  const result = runHypercall(number, {
    args,
    readGuest: (gpa, length) => readGuestPhysical(ctx, gpa, length),
    console: (text) => {
      for (let i = 0; i < text.length; i++) cpu.io.out(0x3f8, 1, text.charCodeAt(i));
    },
  });
  setRax(cpu, BigInt.asUintN(64, result));
  ctx.hypercalls.record({ personality: 'kvm', number, name: hypercallName(number) ?? `hypercall ${number}`, args, result, rip: guestRip(ctx), instret: cpu.instret, errorName: kvmErrorName });
  skipInstruction(ctx);
};

/** MSRs whose guest value lives in the VMCS guest-state area (the CPU holds the host's after an exit). */
const VMCS_MSRS: ReadonlyMap<number, { field: number; valid: (value: bigint) => boolean }> = new Map([
  [0x174, { field: F.GUEST_SYSENTER_CS, valid: (v: bigint) => v >> 32n === 0n }],
  [0x175, { field: F.GUEST_SYSENTER_ESP, valid: canonical }],
  [0x176, { field: F.GUEST_SYSENTER_EIP, valid: canonical }],
  [0xc0000100, { field: F.GUEST_FS_BASE, valid: canonical }],
  [0xc0000101, { field: F.GUEST_GS_BASE, valid: canonical }],
  [0x277, { field: F.GUEST_IA32_PAT, valid: validPat }],
  [0xc0000080, { field: F.GUEST_IA32_EFER, valid: (v: bigint) => (v & ~0xd01n) === 0n }],
]);

function msrAccess(write: boolean): ExitHandler {
  return (ctx) => {
    const cpu = ctx.cpu;
    const index = cpu.lo[1]!;
    const backed = VMCS_MSRS.get(index);
    const apic = ctx.interrupts.msr(index);
    try {
      const xen = ctx.xen === undefined ? undefined : write ? ctx.xen.writeMsr(index, (BigInt(cpu.lo[2]!) << 32n) | BigInt(cpu.lo[0]!)) : ctx.xen.readMsr(index);
      if (xen === 'gp') throw gp0();
      if (typeof xen === 'bigint') {
        cpu.setGpr(0, xen & 0xffffffffn);
        cpu.setGpr(2, xen >> 32n);
      } else if (xen === 'handled') {
        // the hypercall page is written
      } else if (apic) {
        if (write) apic.write((BigInt(cpu.lo[2]!) << 32n) | BigInt(cpu.lo[0]!));
        else {
          const value = apic.read();
          cpu.setGpr(0, value & 0xffffffffn);
          cpu.setGpr(2, value >> 32n);
        }
      } else if (backed) {
        if (write) {
          const value = (BigInt(cpu.lo[2]!) << 32n) | BigInt(cpu.lo[0]!);
          if (!backed.valid(value)) throw gp0();
          // EFER.LMA is not writable: keep the guest's.
          const lma = index === 0xc0000080 ? ctx.vmcs.get(backed.field) & 0x400n : 0n;
          ctx.vmcs.set(backed.field, index === 0xc0000080 ? (value & ~0x400n) | lma : value);
        } else {
          const value = ctx.vmcs.get(backed.field);
          cpu.setGpr(0, value & 0xffffffffn);
          cpu.setGpr(2, value >> 32n);
        }
      } else if (write) writeMsr(cpu, index, (BigInt(cpu.lo[2]!) << 32n) | BigInt(cpu.lo[0]!));
      else {
        const value = readMsr(cpu, index);
        cpu.setGpr(0, value & 0xffffffffn);
        cpu.setGpr(2, value >> 32n);
      }
      skipInstruction(ctx);
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      injectGp(ctx);
    }
  };
}

/** MOV to/from CR3 with CR3 exiting: the hypervisor performs the access on the guest's CR3. */
const crAccess: ExitHandler = (ctx) => {
  const q = Number(ctx.vmcs.get(F.EXIT_QUALIFICATION));
  const cr = q & 0xf;
  const type = (q >>> 4) & 3;
  const gpr = (q >>> 8) & 0xf;
  const cpu = ctx.cpu;
  if (cr !== 3 || type > 1) {
    ctx.cpu.requestStop('vm-exit', `unhandled control-register access (qualification ${hex(q)}) at guest RIP ${hex(guestRip(ctx))}`);
    return;
  }
  if (type === 0) {
    ctx.vmcs.set(F.GUEST_CR3, gpr === 4 ? ctx.vmcs.get(F.GUEST_RSP) : cpu.getGpr(gpr));
    cpu.tlb.flushWhere((tag) => tag !== 0);
  } else if (gpr === 4) ctx.vmcs.set(F.GUEST_RSP, ctx.vmcs.get(F.GUEST_CR3));
  else cpu.setGpr(gpr, ctx.vmcs.get(F.GUEST_CR3));
  skipInstruction(ctx);
};

const eptViolation: ExitHandler = (ctx) => {
  const gpa = ctx.vmcs.get(F.GUEST_PHYSICAL_ADDRESS);
  const region = ctx.mmio?.regionAt(Number(gpa));
  if (region) return ctx.mmio!.emulate(ctx, region, Number(gpa));
  const q = ctx.vmcs.get(F.EXIT_QUALIFICATION);
  const what = q & 4n ? 'instruction fetch from' : q & 2n ? 'write to' : 'read of';
  const xenBallooned = ctx.xen?.describeGpa(Number(gpa));
  if (xenBallooned) return ctx.cpu.requestStop('vm-exit', `EPT violation: ${what} ${xenBallooned} at guest-physical ${hex(gpa)} (XENMEM_populate_physmap brings it back) at guest RIP ${hex(guestRip(ctx))}`);
  if (ctx.balloon?.isBallooned(Number(gpa))) {
    return ctx.cpu.requestStop('vm-exit', `EPT violation: ${what} ballooned page at guest-physical ${hex(gpa)} (the guest gave it back through virtio-balloon; deflate it before use) at guest RIP ${hex(guestRip(ctx))}`);
  }
  ctx.cpu.requestStop('vm-exit', `EPT violation: ${what} unmapped guest-physical ${hex(gpa)} (guest RAM is ${ctx.guestMemoryBytes / 1048576} MiB) at guest RIP ${hex(guestRip(ctx))}`);
};

// Reflect the exception into the guest (the bitmap only made it visible to the hypervisor), combined with an event it interrupted.
const exception: ExitHandler = (ctx) => ctx.interrupts.reflectException(ctx.vmcs);

const tripleFault: ExitHandler = (ctx) => {
  ctx.cpu.requestStop('triple-fault', `VM crashed: triple fault in the guest at RIP ${hex(guestRip(ctx))}${ctx.unit.lastTripleFault ? ` (${ctx.unit.lastTripleFault})` : ''}`);
};

export const EXIT_HANDLERS: ReadonlyMap<number, ExitHandler> = new Map<number, ExitHandler>([
  [ExitReason.Cpuid, cpuid],
  [ExitReason.IoInstruction, io],
  [ExitReason.Hlt, hlt],
  [ExitReason.Vmcall, vmcall],
  [ExitReason.Rdmsr, msrAccess(false)],
  [ExitReason.Wrmsr, msrAccess(true)],
  [ExitReason.CrAccess, crAccess],
  [ExitReason.EptViolation, eptViolation],
  [ExitReason.ExceptionOrNmi, exception],
  [ExitReason.TripleFault, tripleFault],
  [ExitReason.PreemptionTimer, () => undefined], // time slice over or the virtual APIC timer is due: resume (injection.ts)
  [ExitReason.InterruptWindow, () => undefined], // the guest can take an interrupt now: injected before VMRESUME
  [ExitReason.ExternalInterrupt, (ctx) => ctx.interrupts.hostInterrupt(ctx.vmcs)], // a host interrupt (the kick): the host handles it, then injection
]);

export function unhandledExit(ctx: ExitContext, reason: number): void {
  ctx.cpu.requestStop('vm-exit', `the built-in hypervisor does not handle exit ${reason} (${exitReasonName(reason)}) at guest RIP ${hex(guestRip(ctx))}`);
}
