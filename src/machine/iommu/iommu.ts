/**
 * An Intel VT-d DMA-remapping unit in legacy mode: the DMAR register page (an MMIO
 * handler, registers in dmarRegisters.ts), translation of every device DMA by requester
 * id (root → context → second-level tables, with a context cache and an IOTLB), fault
 * recording, and listeners the debugger uses to break on faults. With translation
 * disabled (GSTS.TES = 0, the reset state) DMA addresses are host-physical.
 */
import { type DmaFault, type DmaRemapper, type DmaSpace, type SourceId } from '../devices/dma';
import type { MmioHandler, PhysicalMemory } from '../memory/physicalMemory';
import { ContextCache, Iotlb } from './caches';
import { readContext, TranslationType, type ContextInfo, type ContextLimits } from './contextWalk';
import { registerTable, type DmarRegister, type RegisterState } from './dmarRegisters';
import { FaultRecording, type FaultRecordingState } from './faultRecording';
import { describeFaultReason, faultReasonInfo } from './faultReasons';
import { describeIommu, traceTranslation, type IommuDescription } from './inspect';
import { CAP_HIGH, CAP_LOW, DMAR_BASE, decodeCapabilities, ECAP_LOW, Granularity, type Capabilities } from './registers';
import type { IommuTrace } from './walkTypes';
import { walkSecondLevel, type SecondLevelLimits } from './secondLevelWalk';

/** One blocked DMA, as the fault listeners and describe() see it. */
export interface IommuFault {
  readonly sourceId: number;
  readonly address: number;
  readonly write: boolean;
  readonly reason: number;
  readonly reasonName: string;
  readonly text: string;
  /** Index of the fault-recording register it went to; undefined when not recorded. */
  readonly recordIndex: number | undefined;
  /** Dropped because the recording registers were full (FSTS.PFO). */
  readonly overflow: boolean;
  /** Not recorded because the context entry has FPD set (qualified faults only). */
  readonly suppressed: boolean;
}

export type IommuFaultListener = (fault: IommuFault) => void;

const FAULT_LOG_LIMIT = 64;

export class Iommu implements MmioHandler, DmaRemapper {
  readonly name = 'VT-d DMAR';
  readonly capabilities: Capabilities = decodeCapabilities(CAP_LOW, CAP_HIGH, ECAP_LOW);
  readonly faults = new FaultRecording();
  readonly contextCache = new ContextCache();
  readonly iotlb = new Iotlb();
  /** Register values software wrote (RTADDR, CCMD, IVA, IOTLB) and the hardware state they latched. */
  regs: RegisterState = initialRegisters();
  /** Called, in order, for every blocked DMA (recorded or not). */
  readonly faultListeners: IommuFaultListener[] = [];
  /** The latest blocked DMAs, oldest first (bounded). */
  faultLog: IommuFault[] = [];
  private readonly registers: Map<number, DmarRegister>;
  private readonly spaces = new Map<number, DmaSpace>();
  private readonly contextLimits: ContextLimits;
  private readonly walkLimits: SecondLevelLimits;

  constructor(readonly mem: PhysicalMemory) {
    this.registers = registerTable(this);
    this.contextLimits = { sagaw: this.capabilities.sagaw, passThrough: this.capabilities.passThrough };
    this.walkLimits = { superpages2M: this.capabilities.superpages2M, superpages1G: this.capabilities.superpages1G };
  }

  get translationEnabled(): boolean {
    return this.regs.translationEnabled;
  }

  /** Adds a fault listener; returns a function that removes it. */
  onFault(listener: IommuFaultListener): () => void {
    this.faultListeners.push(listener);
    return () => {
      const index = this.faultListeners.indexOf(listener);
      if (index >= 0) this.faultListeners.splice(index, 1);
    };
  }

  // ---- MMIO ----------------------------------------------------------------------

  read(offset: number, size: number): number {
    const dword = this.registers.get(offset & ~3)?.read() ?? 0;
    if (size >= 4) return dword >>> 0;
    return (dword >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  /** Registers are written as dwords (a 64-bit write arrives low half first); narrower writes are ignored. */
  write(offset: number, size: number, value: number): void {
    if (size < 4 || (offset & 3) !== 0) return;
    this.registers.get(offset)?.write?.(value >>> 0);
  }

  peek(offset: number, size: number): number {
    return this.read(offset, size); // register reads have no side effects
  }

  // ---- commands (called by the register table) -------------------------------------

  /** Context-cache invalidation; returns the granularity actually performed (CAIG). */
  invalidateContextCache(granularity: number, domainId: number, sourceId: number, functionMask: number): number {
    if (granularity === Granularity.global) this.contextCache.invalidateAll();
    else if (granularity === Granularity.domain) this.contextCache.invalidateDomain(domainId);
    else if (granularity === Granularity.deviceOrPage) this.contextCache.invalidateDevice(domainId, sourceId, functionMask);
    return granularity;
  }

  /** IOTLB invalidation; returns the granularity actually performed (IAIG). */
  invalidateIotlb(granularity: number, domainId: number, address: number, addressMask: number): number {
    if (granularity === Granularity.global) this.iotlb.invalidateAll();
    else if (granularity === Granularity.domain || (granularity === Granularity.deviceOrPage && addressMask > this.capabilities.maxAddressMask)) {
      this.iotlb.invalidateDomain(domainId);
      return Granularity.domain;
    } else if (granularity === Granularity.deviceOrPage) this.iotlb.invalidatePages(domainId, address, addressMask);
    return granularity;
  }

  // ---- translation ----------------------------------------------------------------

  /** Requester ids that asked for a DMA space (the machine's devices), in order. */
  get requesterIds(): SourceId[] {
    return [...this.spaces.keys()];
  }

  spaceFor(source: SourceId): DmaSpace {
    let space = this.spaces.get(source);
    if (space === undefined) {
      space = {
        read: (address, length) => this.dmaRead(source, address, length),
        write: (address, bytes) => this.dmaWrite(source, address, bytes),
      };
      this.spaces.set(source, space);
    }
    return space;
  }

  /** Host-physical address of one byte of DMA, or the fault (recorded, listeners told). */
  translate(sourceId: number, address: number, write: boolean): number | DmaFault {
    if (!this.regs.translationEnabled) return address;
    let context = this.contextCache.get(sourceId);
    if (context === undefined) {
      const looked = readContext(this.mem, this.regs.rootTable, sourceId, this.contextLimits);
      if (!looked.ok) return this.fault(sourceId, address, write, looked.reason, looked.faultProcessingDisable);
      context = looked.context;
      this.contextCache.set(context);
    }
    if (context.translationType === TranslationType.passThrough) return address;
    return this.translatePage(context, address, write);
  }

  private translatePage(context: ContextInfo, address: number, write: boolean): number | DmaFault {
    if (address >= 0 && address < 2 ** context.widthBits) {
      const hit = this.iotlb.lookup(context.domainId, address);
      if (hit !== undefined && (write ? hit.writable : hit.readable)) return hit.hostBase + (address - hit.pageBase);
    }
    const walked = walkSecondLevel(this.mem, context, address, write, this.walkLimits);
    if (!walked.ok) return this.fault(context.sourceId, address, write, walked.reason, context.faultProcessingDisable);
    this.iotlb.insert(context.domainId, walked.translation);
    return walked.translation.hostBase + (address - walked.translation.pageBase);
  }

  private fault(sourceId: number, address: number, write: boolean, reason: number, faultProcessingDisable: boolean): DmaFault {
    const info = faultReasonInfo(reason);
    const suppressed = faultProcessingDisable && info.qualified;
    const recorded = suppressed ? undefined : this.faults.record(sourceId, address, write, reason);
    const fault: IommuFault = {
      sourceId, address, write, reason, reasonName: info.name, text: info.text,
      recordIndex: typeof recorded === 'number' ? recorded : undefined,
      overflow: recorded === 'overflow',
      suppressed,
    };
    this.faultLog.push(fault);
    if (this.faultLog.length > FAULT_LOG_LIMIT) this.faultLog.shift();
    for (const listener of [...this.faultListeners]) listener(fault);
    return { dmaFault: true, address, write, reason: `${info.name}: ${describeFaultReason(reason)}` };
  }

  /** Host ranges of [address, address+length) page by page, or the first page's fault. */
  private hostRanges(sourceId: number, address: number, length: number, write: boolean): Array<[number, number]> | DmaFault {
    const ranges: Array<[number, number]> = [];
    let at = address;
    const end = address + length;
    while (at < end) {
      const chunk = Math.min(end - at, 4096 - (at % 4096));
      const host = this.translate(sourceId, at, write);
      if (typeof host !== 'number') return host;
      if (!this.mem.isRam(host, chunk)) return { dmaFault: true, address: at, write, reason: 'address outside RAM' };
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last[0] + last[1] === host) last[1] += chunk;
      else ranges.push([host, chunk]);
      at += chunk;
    }
    return ranges;
  }

  private dmaRead(sourceId: number, address: number, length: number): Uint8Array | DmaFault {
    if (!Number.isFinite(address) || !Number.isInteger(length) || length < 0) return { dmaFault: true, address, write: false, reason: 'malformed DMA request' };
    if (length > 0 && (address % 4096) + length <= 4096) {
      // within one page (rings, descriptors, headers): one translation, one copy
      const host = this.translate(sourceId, address, false);
      if (typeof host !== 'number') return host;
      if (!this.mem.isRam(host, length)) return { dmaFault: true, address, write: false, reason: 'address outside RAM' };
      return this.mem.ram.slice(host, host + length);
    }
    const ranges = this.hostRanges(sourceId, address, length, false);
    if (!Array.isArray(ranges)) return ranges;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const [host, size] of ranges) {
      out.set(this.mem.ram.subarray(host, host + size), offset);
      offset += size;
    }
    return out;
  }

  private dmaWrite(sourceId: number, address: number, bytes: Uint8Array): DmaFault | undefined {
    if (!Number.isFinite(address)) return { dmaFault: true, address, write: true, reason: 'malformed DMA request' };
    const ranges = this.hostRanges(sourceId, address, bytes.length, true);
    if (!Array.isArray(ranges)) return ranges;
    let offset = 0;
    for (const [host, size] of ranges) {
      this.mem.load(host, bytes.subarray(offset, offset + size)); // journaled, drops decoded code
      offset += size;
    }
    return undefined;
  }

  // ---- debugger ---------------------------------------------------------------------

  /** The walk `address` would take for `sourceId`, every entry read; no side effects. */
  translateTrace(sourceId: number, address: number, write = false): IommuTrace {
    return traceTranslation(this, sourceId, address, write);
  }

  /** Registers, root/context entries, domains, faults and caches (JSON-able, no side effects). */
  describe(): IommuDescription {
    return describeIommu(this, DMAR_BASE);
  }

  // ---- reset and snapshots --------------------------------------------------------

  reset(): void {
    this.regs = initialRegisters();
    this.faults.reset();
    this.contextCache.invalidateAll();
    this.iotlb.invalidateAll();
    this.faultLog = [];
  }

  saveState(): IommuState {
    return {
      regs: { ...this.regs },
      faults: this.faults.saveState(),
      contexts: [...this.contextCache.entries.values()],
      iotlb: this.iotlb.entries(),
      faultLog: [...this.faultLog],
    };
  }

  restoreState(state: IommuState): void {
    this.regs = { ...state.regs };
    this.faults.restoreState(state.faults);
    this.contextCache.invalidateAll();
    for (const context of state.contexts) this.contextCache.set(context);
    this.iotlb.invalidateAll();
    for (const entry of state.iotlb) this.iotlb.insert(entry.domainId, entry);
    this.faultLog = [...state.faultLog];
  }
}

export interface IommuState {
  readonly regs: RegisterState;
  readonly faults: FaultRecordingState;
  readonly contexts: ContextInfo[];
  readonly iotlb: ReturnType<Iotlb['entries']>;
  readonly faultLog: IommuFault[];
}

function initialRegisters(): RegisterState {
  return { translationEnabled: false, rootTablePointerSet: false, rootTable: 0, rtaddrLow: 0, rtaddrHigh: 0, ccmdLow: 0, ccmdHigh: 0, ivaLow: 0, ivaHigh: 0, iotlbHigh: 0 };
}
