/**
 * The simulated computer: physical memory, the I/O bus with the serial port and the
 * debug-exit port, one CPU, and the run loop. `run(budget)` executes until a stop and
 * returns why; callers yield to their event loop between calls.
 */
import { PhysicalMemory } from './memory/physicalMemory';
import { IoBus } from './io/ioBus';
import { Cpu, Attention } from './cpu/cpu';
import { RunLoop, type LoopOutcome } from './cpu/runLoop';
import { registerAllHandlers } from './cpu/execute/index';
import { Serial16550, SERIAL_COM1 } from './devices/serial';
import { DebugExit, DEBUG_EXIT_PORT } from './devices/debugExit';
import { bootBare } from './boot/bareBoot';
import { BareLayout } from './boot/layout';
import { isElf, parseElf, ImageError } from './boot/elf';
import { Flag } from './cpu/flags';
import type { StopReason } from './stopReason';
import type { Snapshotable } from './debug/snapshotable';
import { cpuSnapshotable } from './debug/cpuSnapshot';
import { TimeTravel } from './debug/timeTravel';
import { vmxUnitOf, type VmxUnit } from './vmx/vmxUnit';
import { BuiltInHypervisor, type GuestModeOptions } from './hypervisor/hypervisor';
import { VirtioDevices, type VirtioOptions } from './devices/virtio/virtioDevices';
import { connectBare, connectGuest, guestRegions } from './devices/virtio/machineWiring';
import { hasIommu } from './hypervisor/iommuSetup';
import { apicOf } from './apic/cpuApic';
import { ApicBase, type LocalApic, type LocalApicState } from './apic/localApic';
import { InterruptDelivery } from './apic/delivery';
import { paravirtSnapshotable } from './xen/snapshot';
import { Iommu, type IommuState } from './iommu/iommu';
import { DMAR_BASE, DMAR_SIZE } from './iommu/registers';

export interface MachineOptions {
  /** Guest RAM in MiB (default 128). */
  memoryMB?: number;
  /** Receives every byte the serial port transmits. */
  onConsoleByte?: (byte: number) => void;
  /** virtio-mmio devices (console, block, balloon); layout in devices/virtio/virtioDevices.ts. */
  devices?: VirtioOptions;
}

export interface LoadedImage {
  readonly entry: number;
  readonly symbols: Map<string, number>;
  readonly format: 'flat' | 'elf';
}

const DEFAULT_MEMORY_MB = 128;

export class Machine {
  readonly mem: PhysicalMemory;
  readonly io = new IoBus();
  readonly cpu: Cpu;
  readonly loop: RunLoop;
  /** VMX operation of the CPU: VMCS storage, entry failures, the VM-exit log. */
  readonly vmx: VmxUnit;
  readonly serial: Serial16550;
  /** The virtio-mmio devices, when MachineOptions.devices names any. */
  readonly virtio: VirtioDevices | undefined;
  /** The VT-d DMA-remapping unit; its register page is at 0xfed90000 (when RAM ends below it). */
  readonly iommu: Iommu;
  private consoleBytes: number[] = [];
  /** State saved by reverse-execution checkpoints; devices and VMX add theirs. */
  readonly snapshotables: Snapshotable[] = [];
  /** Set once reverse execution is enabled. */
  timeTravel: TimeTravel | undefined;
  /** The built-in hypervisor of guest mode (after `loadGuest`). */
  hypervisor: BuiltInHypervisor | undefined;
  /** The CPU's local APIC (x2APIC MSRs) and interrupt delivery to the CPU. */
  readonly apic: LocalApic;
  readonly interrupts: InterruptDelivery;

  constructor(options: MachineOptions = {}) {
    registerAllHandlers();
    const memoryMB = options.memoryMB ?? DEFAULT_MEMORY_MB;
    this.mem = new PhysicalMemory(memoryMB * 1024 * 1024);
    this.cpu = new Cpu(this.mem, this.io);
    this.loop = new RunLoop(this.cpu);
    this.vmx = vmxUnitOf(this.cpu);
    this.vmx.attach(this.loop);
    this.apic = apicOf(this.cpu);
    this.interrupts = new InterruptDelivery(this.cpu, this.loop, this.vmx, this.apic);
    this.serial = new Serial16550(SERIAL_COM1, (byte) => {
      this.consoleBytes.push(byte);
      options.onConsoleByte?.(byte);
    });
    this.io.register(SERIAL_COM1, 8, this.serial);
    const virtio = options.devices && new VirtioDevices(options.devices, (byte) => {
      this.consoleBytes.push(byte);
      options.onConsoleByte?.(byte);
    });
    this.virtio = virtio && !virtio.empty ? virtio : undefined;
    if (this.virtio) this.snapshotables.push(this.virtio.snapshotable);
    this.iommu = new Iommu(this.mem);
    if (this.mem.size <= DMAR_BASE) this.mem.mapMmio(DMAR_BASE, DMAR_SIZE, this.iommu);
    this.iommu.faults.interruptSink = (vector) => this.apic.accept(vector); // fault events: FEDATA's vector to the CPU's local APIC
    this.io.register(DEBUG_EXIT_PORT, 1, new DebugExit((code) => this.cpu.requestStop('exit', `debug-exit port written with ${code}`, code)));
    this.snapshotables.push(cpuSnapshotable(this.cpu), {
      snapshotName: 'vmx',
      saveState: () => this.vmx.saveState(),
      restoreState: (state) => this.vmx.restoreState(state as ReturnType<VmxUnit['saveState']>),
    }, {
      snapshotName: 'apic',
      saveState: () => this.apic.saveState(),
      restoreState: (state) => this.apic.restoreState(state as LocalApicState),
    }, {
      snapshotName: 'guest-interrupts',
      saveState: () => this.hypervisor?.interrupts.saveState(),
      restoreState: (state) => {
        if (state !== undefined) this.hypervisor?.interrupts.restoreState(state as ReturnType<BuiltInHypervisor['interrupts']['saveState']>);
      },
    }, {
      snapshotName: 'iommu',
      saveState: () => this.iommu.saveState(),
      restoreState: (state) => this.iommu.restoreState(state as IommuState),
    }, paravirtSnapshotable(() => this.hypervisor), {
      snapshotName: 'console',
      saveState: () => this.consoleBytes.length,
      restoreState: (length) => void (this.consoleBytes.length = length as number),
    });
  }

  /**
   * Enables stepBack/reverseContinue: from now on checkpoints are taken every `interval`
   * instructions. Call after loading the program.
   */
  enableReverseExecution(interval = 1_000_000, maxCheckpoints = 256): TimeTravel {
    this.timeTravel ??= new TimeTravel(
      {
        mem: this.mem,
        snapshotables: this.snapshotables,
        instructionCount: () => this.cpu.instret,
        runForward: (budget, withBreakpoints) => this.runForward(budget, withBreakpoints),
        resumeFromBreakpoint: () => this.loop.resumeFromBreakpoint(),
      },
      interval,
      maxCheckpoints,
    );
    return this.timeTravel;
  }

  private runForward(budget: number, withBreakpoints: boolean): StopReason {
    if (withBreakpoints) return this.runSlice(budget);
    const saved = [...this.loop.breakpoints];
    this.loop.breakpoints.clear();
    try {
      return this.runSlice(budget);
    } finally {
      for (const rip of saved) this.loop.breakpoints.add(rip);
    }
  }

  /** Everything the serial port has transmitted, as text. */
  get consoleText(): string {
    let text = '';
    for (const byte of this.consoleBytes) text += String.fromCharCode(byte);
    return text;
  }

  /**
   * Loads a flat binary at the image base (or an ELF64 executable at its segments) and
   * boots the bare-mode protocol. Throws `ImageError` for images that cannot be loaded.
   */
  loadBare(image: Uint8Array, entry?: number, loadAddress: number = BareLayout.imageBase): LoadedImage {
    let loaded: LoadedImage;
    if (isElf(image)) {
      const elf = parseElf(image);
      for (const segment of elf.segments) {
        this.loadAt(segment.physical, segment.data);
        if (segment.zeroFill > 0) this.loadAt(segment.physical + segment.data.length, new Uint8Array(segment.zeroFill));
      }
      loaded = { entry: entry ?? elf.entry, symbols: elf.symbols, format: 'elf' };
    } else {
      if (image.length === 0) throw new ImageError('the program is empty (0 bytes)');
      if (loadAddress < BareLayout.imageBase) throw new ImageError(`load address 0x${loadAddress.toString(16)} is below 0x100000, where the boot structures live`);
      this.loadAt(loadAddress, image);
      loaded = { entry: entry ?? loadAddress, symbols: new Map(), format: 'flat' };
    }
    this.vmx.reset();
    this.iommu.reset();
    this.hypervisor = undefined;
    this.apic.reset(ApicBase.DEFAULT_ADDRESS | ApicBase.EN | ApicBase.BSP);
    if (this.virtio) connectBare(this.virtio, this.cpu, this.iommu, (vector) => this.apic.accept(vector));
    bootBare(this.cpu, { entry: loaded.entry });
    return loaded;
  }

  /**
   * Guest mode: loads the program into guest RAM of the built-in hypervisor (flat at
   * 1 MiB or ELF) and prepares the first VM entry; `run` then starts with VMLAUNCH.
   * Needs at least 16 MiB + guest RAM of machine memory. Throws `ImageError`.
   */
  loadGuest(image: Uint8Array, options: GuestModeOptions = {}, entry?: number): BuiltInHypervisor {
    this.vmx.reset();
    this.iommu.reset();
    this.apic.reset(ApicBase.DEFAULT_ADDRESS | ApicBase.EN | ApicBase.BSP);
    const hypervisor = new BuiltInHypervisor(this.cpu, this.vmx, this.virtio ? { ...options, mmioDevices: guestRegions(this.virtio) } : options);
    if (this.virtio) hypervisor.iommuSourceIds = this.virtio.sourceIds;
    hypervisor.boot(image, entry);
    if (this.virtio) connectGuest(this.virtio, this.cpu, hypervisor, hasIommu(this.cpu) ? this.iommu : undefined);
    this.hypervisor = hypervisor;
    return hypervisor;
  }

  private loadAt(address: number, bytes: Uint8Array): void {
    if (address < BareLayout.imageBase && address + bytes.length > 0x1000) {
      throw new ImageError(`segment at 0x${address.toString(16)} overlaps the boot structures below 0x100000`);
    }
    if (address + bytes.length > this.mem.size) {
      throw new ImageError(`image needs memory up to 0x${(address + bytes.length).toString(16)} but RAM is ${this.mem.size / 1048576} MiB`);
    }
    this.mem.load(address, bytes);
  }

  /** Runs at most `budget` instructions (taking reverse-execution checkpoints on the way). */
  run(budget: number): StopReason {
    const travel = this.timeTravel;
    if (travel === undefined) return this.runSlice(budget);
    const end = this.cpu.instret + budget;
    for (;;) {
      const stop = this.runSlice(Math.min(end - this.cpu.instret, travel.untilNextCheckpoint()));
      travel.maybeCheckpoint();
      if (stop.reason !== 'budget' || this.cpu.instret >= end) return stop;
    }
  }

  private runSlice(budget: number): StopReason {
    const cpu = this.cpu;
    const end = cpu.instret + budget;
    let idleWakes = 0;
    for (;;) {
      if (cpu.attention & Attention.Stop) return this.takeStopRequest();
      // HLT waits for an interrupt: time skips ahead to the APIC timer or the VMX-preemption timer that wakes it (apic/delivery.ts).
      if (cpu.halted) {
        const before = cpu.instret;
        if (!this.interrupts.wakeHalted()) return this.haltStop();
        if (cpu.instret >= end) return this.stopFor({ kind: 'budget' });
        // Defensive: a wake-up that changed nothing twice in a row must not spin the host.
        idleWakes = cpu.halted && cpu.instret === before ? idleWakes + 1 : 0;
        if (idleWakes > 2) return this.haltStop();
        continue;
      }
      cpu.attention &= Attention.Event;
      const outcome = this.loop.run(Math.max(0, end - cpu.instret));
      if (outcome.kind !== 'attention' || cpu.attention & Attention.Stop) return this.stopFor(outcome);
      if (cpu.halted && !this.interrupts.canWakeHalted()) return this.haltStop();
      if (cpu.instret >= end) return this.stopFor({ kind: 'budget' });
    }
  }

  private stopFor(outcome: LoopOutcome): StopReason {
    const cpu = this.cpu;
    const rip = cpu.rip;
    switch (outcome.kind) {
      case 'budget':
        return { reason: 'budget', detail: 'instruction budget spent', rip };
      case 'breakpoint':
        return { reason: 'breakpoint', detail: 'breakpoint', rip };
      case 'unimplemented':
        return { reason: 'unimplemented', detail: `not implemented by the simulator: ${outcome.mnemonic}`, rip: outcome.rip };
      case 'triple-fault':
        cpu.requestStop('triple-fault', outcome.cause);
        return this.takeStopRequest();
      case 'attention':
        if (cpu.attention & Attention.Stop) return this.takeStopRequest();
        if (cpu.halted) return this.haltStop();
        cpu.attention = 0;
        return { reason: 'budget', detail: 'interrupted', rip };
    }
  }

  private haltStop(): StopReason {
    const interruptsOn = (this.cpu.flagBits & Flag.IF) !== 0;
    const detail = interruptsOn ? 'hlt with interrupts enabled and no interrupt source pending' : 'hlt with interrupts disabled';
    return { reason: 'halt', detail, rip: this.cpu.rip };
  }

  private takeStopRequest(): StopReason {
    const request = this.cpu.stopRequest ?? { reason: 'pause', detail: 'stopped' };
    // triple fault and exit are final: keep the request so later runs stop again
    const final = request.reason === 'triple-fault' || request.reason === 'exit';
    if (!final) {
      this.cpu.stopRequest = undefined;
      this.cpu.attention &= ~Attention.Stop;
    }
    return { reason: request.reason as StopReason['reason'], detail: request.detail, exitCode: request.exitCode, rip: this.cpu.rip };
  }
}

export { ImageError };
