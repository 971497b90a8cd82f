/**
 * The Xen personality of the built-in hypervisor (GuestModeOptions.paravirt = 'xen'):
 * CPUID leaves 0x40000000–0x40000004 with the Xen signature, the hypercall-page MSR,
 * and VMCALL dispatch with Xen's x86-64 ABI (number in RAX; arguments RDI, RSI, RDX,
 * R10, R8; result or −errno in RAX). State for the hypercall groups (one file each)
 * lives in `state`; the guest is domain 1 and the built-in back end is domain 0.
 */
import type { Cpu } from '../cpu/cpu';
import { Flag } from '../cpu/flags';
import { HostLayout } from '../hypervisor/layout';
import { XenHostLayout } from './hostLayout';
import { F } from '../vmx/fields';
import type { VmxUnit } from '../vmx/vmxUnit';
import { DomId, Errno, ERRNO_NAMES, Hc, HVM_PARAM, PAGE, xenHypercallName } from './abi';
import { ConsoleBackend } from './backend/console';
import { describeXen, type XenDescription } from './describe';
import { EptFrames } from './eptFrames';
import { EventChannels } from './evtchn';
import { GrantTable } from './grant';
import { GuestMemory } from './guestMemory';
import { HypercallMonitor } from './hypercallLog';
import { fillHypercallPage, XEN_CPUID_BASE, xenCpuid } from './cpuidLeaves';
import { initialXenState, type XenState } from './state';
import { XEN_HYPERCALLS } from './table';
import { XenTimers } from './timers';

export interface XenPlatformOptions {
  readonly cpu: Cpu;
  readonly unit: VmxUnit;
  readonly guestMemoryBytes: number;
  /** Queues the HVM callback vector (HVM_PARAM_CALLBACK_IRQ): bypasses the virtual APIC, no EOI, as in Xen. */
  readonly raiseInterrupt: (vector: number) => void;
  /** Raises a vector at the guest's virtual APIC (the per-vCPU upcall vector: the guest EOIs it). */
  readonly raiseApicInterrupt: (vector: number) => void;
  readonly monitor: HypercallMonitor;
}

export type XenArgs = readonly [bigint, bigint, bigint, bigint, bigint];
export type XenHypercall = (xen: XenPlatform, args: XenArgs) => bigint;

/** −errno as a hypercall result. */
export const fail = (errno: number): bigint => BigInt(-errno);

const MSR_HYPERCALL_PAGE = XEN_CPUID_BASE;
const errnoName = (errno: number): string | undefined => ERRNO_NAMES.get(errno);

export class XenPlatform {
  readonly cpu: Cpu;
  readonly unit: VmxUnit;
  readonly guestPages: number;
  readonly monitor: HypercallMonitor;
  readonly mem: GuestMemory;
  state: XenState;
  readonly evtchn = new EventChannels(this);
  readonly grants = new GrantTable(this);
  readonly timers = new XenTimers(this);
  readonly backend = new ConsoleBackend(this);
  /** Depth of multicall nesting (a multicall inside a multicall is refused). */
  multicallDepth = 0;
  private readonly raise: (vector: number) => void;
  private readonly raiseApic: (vector: number) => void;

  constructor(options: XenPlatformOptions) {
    this.cpu = options.cpu;
    this.unit = options.unit;
    this.guestPages = options.guestMemoryBytes / PAGE;
    this.monitor = options.monitor;
    this.raise = options.raiseInterrupt;
    this.raiseApic = options.raiseApicInterrupt;
    this.mem = new GuestMemory(options.unit, options.cpu.mem);
    this.state = initialXenState();
    this.clearHostPages();
    this.timers.writeTimeInfo();
  }

  /** Guest clock: nanoseconds since boot = instructions retired (1 GHz). */
  now(): number {
    return this.cpu.instret;
  }

  readonly sharedInfoHpa = XenHostLayout.sharedInfo;

  grantFrameHpa(frame: number): number {
    return XenHostLayout.grantFrames + frame * PAGE;
  }

  /** Host-physical frame that backs guest RAM page `gfn` when nothing is placed over it. */
  ramHpa(gfn: number): number {
    return HostLayout.guestRamBase + gfn * PAGE;
  }

  inRam(gfn: number): boolean {
    return Number.isSafeInteger(gfn) && gfn >= 0 && gfn < this.guestPages;
  }

  /** Single-frame EPT editor for the current VMCS's EPT (undefined without one). */
  ept(): EptFrames | undefined {
    const vmcs = this.unit.current;
    if (!vmcs) return undefined;
    const root = Number(vmcs.get(F.EPT_POINTER) & 0x000ffffffffff000n);
    return new EptFrames(this.cpu.mem, root, (region) => (region < XenHostLayout.splitRegions ? XenHostLayout.eptSplitTables + region * PAGE : undefined));
  }

  /** After an EPT or guest page-table change: drop the guest's TLB entries and decoded code. */
  flushGuestTlb(): void {
    this.cpu.tlb.flushWhere((tag) => tag !== 0);
    this.cpu.codeGeneration++;
  }

  /** Text on the machine console (the serial port's output, like every console here). */
  writeConsole(bytes: Uint8Array): void {
    for (const byte of bytes) this.cpu.io.out(0x3f8, 1, byte);
  }

  /**
   * Where upcalls go, as Xen decides it: the per-vCPU vector of HVMOP_set_evtchn_upcall_vector
   * (through the virtual APIC) if set, else HVM_PARAM_CALLBACK_IRQ of type vector (bypassing
   * it); undefined when the guest chose neither.
   */
  upcallTarget(): { vector: number; viaApic: boolean } | undefined {
    if (this.state.upcallVector !== undefined) return { vector: this.state.upcallVector, viaApic: true };
    const callback = this.state.params.get(HVM_PARAM.callback_irq) ?? 0n;
    return callback >> 56n === 2n ? { vector: Number(callback & 0xffn), viaApic: false } : undefined;
  }

  /** The event-channel upcall. */
  upcall(): void {
    const target = this.upcallTarget();
    if (!target) return;
    this.state.upcalls++;
    if (target.viaApic) this.raiseApic(target.vector);
    else this.raise(target.vector);
  }

  /** Whether `dom` names the guest from its own point of view (DOMID_SELF or its id). */
  isSelf(dom: number): boolean {
    return dom === DomId.self || dom === DomId.guest;
  }

  /** Runs hypercall `number` with `args` (also for multicall entries). */
  hypercall(number: number, args: XenArgs): bigint {
    const call = XEN_HYPERCALLS.get(number);
    if (!call) return fail(Errno.ENOSYS);
    return call(this, args);
  }

  /** The VMCALL exit: CPL check, dispatch, RAX, the hypercall log. */
  handleVmcall(rip: bigint): void {
    const cpu = this.cpu;
    const vmcs = this.unit.current;
    const number = cpu.hi[0] === 0 ? cpu.lo[0]! : 0xffffffff; // RAX above 32 bits: no such hypercall
    const args: XenArgs = [cpu.getGpr(7), cpu.getGpr(6), cpu.getGpr(2), cpu.getGpr(10), cpu.getGpr(8)];
    const cpl = vmcs ? (vmcs.get32(F.GUEST_SS_AR) >>> 5) & 3 : 0;
    const result = cpl !== 0 ? fail(Errno.EPERM) : this.hypercall(number, args);
    cpu.setGpr(0, BigInt.asUintN(64, result));
    this.log(number, args, result, rip, false);
  }

  log(number: number, args: readonly bigint[], result: bigint, rip: bigint, nested: boolean): void {
    this.monitor.record({ personality: 'xen', number, name: xenHypercallName(number), args, result, rip, instret: this.cpu.instret, nested, errorName: errnoName });
  }

  /** CPUID leaves 0x40000000–0x400000ff, undefined for the others. */
  cpuid(leaf: number, subleaf: number): readonly number[] | undefined {
    return xenCpuid(leaf, subleaf);
  }

  /** WRMSR to the hypercall-page MSR: 'handled', 'gp' (#GP), or undefined (not a Xen MSR). */
  writeMsr(index: number, value: bigint): 'handled' | 'gp' | undefined {
    if (index !== MSR_HYPERCALL_PAGE) return undefined;
    if ((value & 0xfffn) !== 0n) return 'gp'; // page index ≠ 0: only one hypercall page
    const gpa = Number(BigInt.asUintN(52, value));
    const hpa = this.mem.gpaToHpa(gpa);
    if (hpa === undefined) return 'gp';
    this.cpu.mem.poke(hpa, fillHypercallPage());
    this.state.hypercallPage = gpa;
    return 'handled';
  }

  readMsr(index: number): bigint | undefined {
    return index === MSR_HYPERCALL_PAGE ? BigInt(this.state.hypercallPage ?? 0) : undefined;
  }

  /** Runs after every VM exit: timers that expired raise VIRQ_TIMER; typed input reaches a connected PV console. */
  afterExit(): void {
    this.timers.fireDue();
    if (this.state.console.dom0Port !== undefined && this.pullSerialInput()) this.backend.input();
  }

  /**
   * Debug-console input waiting in COM1's receive buffer (the `input` console command)
   * becomes Xen console input, the way Xen's own serial console driver takes it.
   */
  pullSerialInput(): boolean {
    const io = this.cpu.io;
    if (io.in(0x3fb, 1) & 0x80) return false; // DLAB set: port 0x3f8 is the divisor latch
    let got = false;
    for (let i = 0; i < 4096 && io.in(0x3fd, 1) & 1; i++) {
      this.state.consoleInput.push(io.in(0x3f8, 1) & 0xff);
      got = true;
    }
    return got;
  }

  /** Why guest-physical `gpa` may be unmapped, for the EPT-violation report. */
  describeGpa(gpa: number): string | undefined {
    return this.state.ballooned.has(Math.floor(gpa / PAGE)) ? 'ballooned page (given back with XENMEM_decrease_reservation)' : undefined;
  }

  /** Whether the guest could take an interrupt now (RFLAGS.IF in the VMCS). */
  guestInterruptsOn(): boolean {
    return ((this.unit.current?.get32(F.GUEST_RFLAGS) ?? 0) & Flag.IF) !== 0;
  }

  /** Input typed in the debug console: CONSOLEIO_read's queue and the PV console's "in" ring. */
  consoleInput(bytes: Iterable<number>): void {
    for (const byte of bytes) this.state.consoleInput.push(byte & 0xff);
    this.backend.input();
  }

  describe(): XenDescription {
    return describeXen(this);
  }

  /** Hypercall names by number, for the debugger (breakpoints by name). */
  static hypercallName(number: number): string {
    return xenHypercallName(number);
  }

  saveState(): XenState {
    return structuredClone(this.state);
  }

  restoreState(saved: XenState): void {
    this.state = structuredClone(saved);
  }

  private clearHostPages(): void {
    const mem = this.cpu.mem;
    mem.poke(this.sharedInfoHpa, new Uint8Array(PAGE));
    for (let i = 0; i < XenHostLayout.grantFrameCount; i++) mem.poke(this.grantFrameHpa(i), new Uint8Array(PAGE));
  }
}

export { Hc };
