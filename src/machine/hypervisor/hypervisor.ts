/**
 * The built-in hypervisor for guest mode: boots the host in bare mode, turns VMX on
 * through the same VMX unit the instructions use, builds the guest (boot structures in
 * guest RAM, EPT with GPA ≠ HPA, VMCS), and enters it by running a two-instruction host
 * stub (`vmlaunch` first, then `vmresume` at HOST_RIP after every exit). Exits are
 * handled in TypeScript (exitHandlers.ts) between the exit and that VMRESUME, which the
 * VMX unit performs at once when nothing observes the host (`hostResumesAfterExit`).
 */
import { bootBare } from '../boot/bareBoot';
import { ImageError, isElf, parseElf } from '../boot/elf';
import type { Cpu } from '../cpu/cpu';
import { Cr4 } from '../paging/walker';
import { VMCS_REVISION_ID } from '../vmx/capabilities';
import type { ExitRecord } from '../vmx/vmExit';
import type { VmxUnit } from '../vmx/vmxUnit';
import { exitReasonName } from '../vmx/exitReasons';
import { EXIT_HANDLERS, unhandledExit, type ExitContext } from './exitHandlers';
import { writeEpt, writeGuestBootStructures, writeVmcs, type GuestModeOptions } from './guestSetup';
import { GuestInterrupts } from './injection';
import { MmioEmulator } from './mmioEmulation';
import { EptBalloon } from './balloonEpt';
import { programIommu } from './iommuSetup';
import { GuestLayout, HostLayout } from './layout';
import { HypercallMonitor } from '../xen/hypercallLog';
import { XenPlatform } from '../xen/platform';
import type { SourceId } from '../devices/dma';

/** vmresume; hlt — at HOST_RIP. */
const RESUME_STUB = [0x0f, 0x01, 0xc3, 0xf4];
/** vmlaunch; hlt — runs once. */
const LAUNCH_STUB = [0x0f, 0x01, 0xc2, 0xf4];
const LAUNCH_AT = HostLayout.stub + 0x10;

export class BuiltInHypervisor {
  readonly guestMemoryBytes: number;
  /** Exits handled, per basic exit reason (a number array: counting costs nothing per exit). */
  private readonly exitCounts = new Float64Array(128);
  /** The handlers' context, made once per current VMCS rather than once per exit. */
  private exitContext: ExitContext | undefined;
  /** Requester ids of the guest's devices: boot maps guest RAM for each of them in the IOMMU (iommuSetup.ts). */
  iommuSourceIds: readonly SourceId[] = [];
  /** The guest's virtual x2APIC and pending interrupts (injection.ts). */
  readonly interrupts: GuestInterrupts;
  /** MMIO emulation of the guest's device pages (virtio-mmio). */
  readonly mmio: MmioEmulator;
  /** EPT unmapping of pages given back through virtio-balloon. */
  readonly balloon: EptBalloon;
  /** Every hypercall (VMCALL) of the guest: log, counts per name, `onHypercall` listeners. */
  readonly hypercalls = new HypercallMonitor();
  /** The Xen personality when GuestModeOptions.paravirt is 'xen' (src/machine/xen), else undefined. */
  readonly xen: XenPlatform | undefined;

  constructor(
    private readonly cpu: Cpu,
    private readonly unit: VmxUnit,
    private readonly options: GuestModeOptions = {},
  ) {
    const mb = options.guestMemoryMB ?? 32;
    if (mb < 2 || mb % 2 !== 0) throw new ImageError(`guest memory must be a positive multiple of 2 MiB (got ${mb})`);
    this.guestMemoryBytes = mb * 1048576;
    const needed = HostLayout.guestRamBase + this.guestMemoryBytes;
    if (cpu.mem.size < needed) throw new ImageError(`guest mode with ${mb} MiB of guest RAM needs ${needed / 1048576} MiB of machine RAM (got ${cpu.mem.size / 1048576})`);
    this.interrupts = new GuestInterrupts(cpu, unit, options.preemptionTimer);
    this.mmio = new MmioEmulator(options.mmioDevices ?? []);
    this.balloon = new EptBalloon(cpu, this.guestMemoryBytes);
    this.xen = options.paravirt === 'xen' ? new XenPlatform({ cpu, unit, guestMemoryBytes: this.guestMemoryBytes, raiseInterrupt: (vector) => this.interrupts.raiseDirect(vector), raiseApicInterrupt: (vector) => this.raiseGuestInterrupt(vector), monitor: this.hypercalls }) : undefined;
  }

  /**
   * Queues an interrupt for the guest (devices call this): injected by VM-entry event
   * injection before the next VMRESUME when the guest can take it (RFLAGS.IF = 1, no
   * STI / MOV-SS blocking), else after an interrupt-window exit. Vectors 0–15 are illegal
   * (dropped, virtual ESR bit 6). The guest acknowledges with an EOI (WRMSR 0x80b).
   */
  raiseGuestInterrupt(vector: number): void {
    this.interrupts.raise(vector);
  }

  /** Loads `image` into guest RAM (flat at 1 MiB, or ELF segments at their physical addresses) and prepares the first VM entry. */
  boot(image: Uint8Array, entry?: number): { entry: number } {
    const cpu = this.cpu;
    let start = entry ?? GuestLayout.imageBase;
    if (isElf(image)) {
      const elf = parseElf(image);
      for (const segment of elf.segments) this.loadGuest(segment.physical, segment.data, segment.zeroFill);
      start = entry ?? elf.entry;
    } else {
      if (image.length === 0) throw new ImageError('the program is empty (0 bytes)');
      this.loadGuest(GuestLayout.imageBase, image, 0);
    }
    bootBare(cpu, { entry: LAUNCH_AT });
    cpu.cr4 |= Cr4.VMXE;
    cpu.mem.load(HostLayout.stub, Uint8Array.from(RESUME_STUB));
    cpu.mem.load(LAUNCH_AT, Uint8Array.from(LAUNCH_STUB));
    writeGuestBootStructures(cpu);
    const eptp = writeEpt(cpu, this.guestMemoryBytes);
    programIommu(cpu, this.iommuSourceIds, this.guestMemoryBytes);

    // VMXON and VMPTRLD, as the instructions do them.
    const unit = this.unit;
    cpu.mem.write32(HostLayout.vmxon, VMCS_REVISION_ID);
    cpu.mem.write32(HostLayout.vmcs, VMCS_REVISION_ID);
    unit.operation = 'root';
    unit.vmxonPointer = HostLayout.vmxon;
    unit.vmxonEpoch++;
    unit.store.clear(HostLayout.vmcs);
    unit.current = unit.store.at(HostLayout.vmcs);
    writeVmcs(cpu, unit.current, start, eptp, this.options);
    unit.onExit = (record) => this.handleExit(record);
    // The stub's VMRESUME follows every exit, and the handlers read guest state through the VMCS only.
    unit.hostResumesAfterExit = true;
    unit.onEntryFailure = (failure) => cpu.requestStop('vm-entry-failure', failure.describe());
    return { entry: start };
  }

  private loadGuest(gpa: number, data: Uint8Array, zeroFill: number): void {
    if (gpa < GuestLayout.imageBase) throw new ImageError(`segment at guest-physical 0x${gpa.toString(16)} overlaps the guest boot structures below 0x100000`);
    if (gpa + data.length + zeroFill > this.guestMemoryBytes) throw new ImageError(`the image needs guest RAM up to 0x${(gpa + data.length + zeroFill).toString(16)} but the guest has ${this.guestMemoryBytes / 1048576} MiB`);
    this.cpu.mem.load(HostLayout.guestRamBase + gpa, data);
    if (zeroFill > 0) this.cpu.mem.load(HostLayout.guestRamBase + gpa + data.length, new Uint8Array(zeroFill));
  }

  /** Exits handled, by name. */
  get stats(): Map<string, number> {
    const stats = new Map<string, number>();
    this.exitCounts.forEach((count, reason) => count > 0 && stats.set(exitReasonName(reason), count));
    return stats;
  }

  private handleExit(record: ExitRecord): void {
    if (record.entryFailure) return; // reported by onEntryFailure
    const vmcs = this.unit.current;
    if (!vmcs) return;
    if (this.exitContext?.vmcs !== vmcs) {
      this.exitContext = { cpu: this.cpu, unit: this.unit, vmcs, guestMemoryBytes: this.guestMemoryBytes, mmio: this.mmio, balloon: this.balloon, interrupts: this.interrupts, hypercalls: this.hypercalls, xen: this.xen };
    }
    const ctx = this.exitContext;
    const reason = record.reason & 0xffff;
    if (reason < this.exitCounts.length) this.exitCounts[reason]!++;
    const handler = EXIT_HANDLERS.get(reason);
    if (handler) handler(ctx);
    else unhandledExit(ctx, reason);
    this.xen?.afterExit();
    this.interrupts.beforeEntry(vmcs);
    this.xen?.timers.arm(vmcs);
  }
}

export type { GuestModeOptions };
