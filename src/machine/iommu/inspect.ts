/**
 * Debugger views of the IOMMU, side-effect free and JSON-able: a traced translation of
 * one device address (every table entry read, like the CPU walker's trace) and a
 * description of the whole unit (registers, root/context entries, domains, faults, caches).
 */
import { formatSourceId } from '../devices/dma';
import { readContext, TranslationType, type ContextLimits } from './contextWalk';
import { faultReasonInfo } from './faultReasons';
import type { Iommu, IommuFault } from './iommu';
import { IOTLB_REGISTER_OFFSET, Reg } from './registers';
import { walkSecondLevel } from './secondLevelWalk';
import type { IommuTrace, IommuWalkStep } from './walkTypes';
import { entryHex } from './walkTypes';
import { IOTLB_CAPACITY } from './caches';

function limitsOf(iommu: Iommu): ContextLimits {
  return { sagaw: iommu.capabilities.sagaw, passThrough: iommu.capabilities.passThrough };
}

/** Walks the tables for `address` as `sourceId` would, recording every entry; never records a fault or fills a cache. */
export function traceTranslation(iommu: Iommu, sourceId: number, address: number, write = false): IommuTrace {
  const trace: IommuTrace = { sourceId, address, write, translationEnabled: iommu.translationEnabled, steps: [] };
  if (!iommu.translationEnabled) {
    trace.hostPhysical = address;
    return trace;
  }
  const setFault = (reason: number): void => {
    const info = faultReasonInfo(reason);
    trace.fault = { reason, name: info.name, text: info.text };
  };
  trace.contextCached = iommu.contextCache.get(sourceId) !== undefined;
  const looked = readContext(iommu.mem, iommu.regs.rootTable, sourceId, limitsOf(iommu), trace.steps);
  if (!looked.ok) {
    setFault(looked.reason);
    return trace;
  }
  const context = looked.context;
  trace.domainId = context.domainId;
  if (context.translationType === TranslationType.passThrough) {
    trace.hostPhysical = address;
    return trace;
  }
  if (address >= 0 && address < 2 ** context.widthBits) {
    const hit = iommu.iotlb.lookup(context.domainId, address);
    trace.iotlbHit = hit !== undefined;
    if (hit !== undefined) trace.iotlbHostPhysical = hit.hostBase + (address - hit.pageBase);
  }
  const walked = walkSecondLevel(iommu.mem, context, address, write, iommu.capabilities, trace.steps);
  if (!walked.ok) setFault(walked.reason);
  else {
    trace.hostPhysical = walked.translation.hostBase + (address - walked.translation.pageBase);
    trace.pageSize = walked.translation.pageSize;
  }
  return trace;
}

export interface ContextEntryView {
  readonly devfn: number;
  readonly sourceId: number;
  readonly name: string;
  readonly entryAddress: number;
  readonly value: string;
  readonly valueHigh: string;
  readonly flags: string[];
  /** 'next' when the entry is present and valid, else what is wrong with it. */
  readonly outcome: IommuWalkStep['outcome'];
  readonly domainId: number;
  readonly secondLevelRoot: number;
}

export interface RootEntryView {
  readonly bus: number;
  readonly entryAddress: number;
  readonly value: string;
  readonly valueHigh: string;
  readonly flags: string[];
  readonly outcome: IommuWalkStep['outcome'];
  readonly contexts: ContextEntryView[];
}

export interface IommuDescription {
  readonly base: number;
  readonly translationEnabled: boolean;
  readonly rootTablePointerSet: boolean;
  readonly rootTable: number;
  readonly registers: Record<string, string>;
  readonly capabilities: Iommu['capabilities'];
  readonly rootEntries: RootEntryView[];
  readonly domains: Array<{ domainId: number; sourceIds: string[]; secondLevelRoot: number }>;
  readonly faultStatus: { overflow: boolean; pending: boolean; nextIndex: number; interruptMasked: boolean; interruptPending: boolean; vector: number };
  readonly faultRecords: Array<{ index: number; sourceId: string; address: number; reason: number; reasonName: string; type: 'read' | 'write' }>;
  readonly faultLog: IommuFault[];
  readonly iotlb: { size: number; capacity: number; entries: Array<{ domainId: number; address: number; hostPhysical: number; pageSize: number; read: boolean; write: boolean }> };
  readonly contextCache: string[];
}

const IOTLB_LISTED = 64;

export function describeIommu(iommu: Iommu, base: number): IommuDescription {
  const hexRegister = (offset: number, wide: boolean): string =>
    wide ? entryHex(iommu.read(offset + 4, 4), iommu.read(offset, 4)) : '0x' + iommu.read(offset, 4).toString(16).padStart(8, '0');
  const registers: Record<string, string> = {
    VER: hexRegister(Reg.VER, false), CAP: hexRegister(Reg.CAP, true), ECAP: hexRegister(Reg.ECAP, true), GSTS: hexRegister(Reg.GSTS, false),
    RTADDR: hexRegister(Reg.RTADDR, true), CCMD: hexRegister(Reg.CCMD, true), FSTS: hexRegister(Reg.FSTS, false), FECTL: hexRegister(Reg.FECTL, false),
    FEDATA: hexRegister(Reg.FEDATA, false), FEADDR: hexRegister(Reg.FEADDR, false), IVA: hexRegister(IOTLB_REGISTER_OFFSET, true), IOTLB: hexRegister(IOTLB_REGISTER_OFFSET + 8, true),
  };
  const rootEntries = describeRootTable(iommu);
  const domains = new Map<number, { domainId: number; sourceIds: string[]; secondLevelRoot: number }>();
  for (const root of rootEntries) {
    for (const context of root.contexts) {
      if (context.outcome !== 'next') continue;
      const domain = domains.get(context.domainId) ?? { domainId: context.domainId, sourceIds: [], secondLevelRoot: context.secondLevelRoot };
      domain.sourceIds.push(context.name);
      domains.set(context.domainId, domain);
    }
  }
  const faults = iommu.faults;
  return {
    base,
    translationEnabled: iommu.translationEnabled,
    rootTablePointerSet: iommu.regs.rootTablePointerSet,
    rootTable: iommu.regs.rootTable,
    registers,
    capabilities: iommu.capabilities,
    rootEntries,
    domains: [...domains.values()],
    faultStatus: { overflow: faults.overflow, pending: faults.pending, nextIndex: faults.nextIndex, interruptMasked: (faults.fectl >>> 31) === 1, interruptPending: ((faults.fectl >>> 30) & 1) === 1, vector: faults.fedata & 0xff },
    faultRecords: faults.records.flatMap((record, index) => (record.valid ? [{ index, sourceId: formatSourceId(record.sourceId), address: record.pageAddress, reason: record.reason, reasonName: faultReasonInfo(record.reason).name, type: record.read ? ('read' as const) : ('write' as const) }] : [])),
    faultLog: [...iommu.faultLog],
    iotlb: {
      size: iommu.iotlb.size,
      capacity: IOTLB_CAPACITY,
      entries: iommu.iotlb.entries().slice(0, IOTLB_LISTED).map((entry) => ({ domainId: entry.domainId, address: entry.pageBase, hostPhysical: entry.hostBase, pageSize: entry.pageSize, read: entry.readable, write: entry.writable })),
    },
    contextCache: [...iommu.contextCache.entries.keys()].map(formatSourceId),
  };
}

/** Every non-zero root entry and, under present ones, every non-zero context entry. */
function describeRootTable(iommu: Iommu): RootEntryView[] {
  const mem = iommu.mem;
  const rootTable = iommu.regs.rootTable;
  if (!iommu.regs.rootTablePointerSet || !mem.isRam(rootTable, 4096)) return [];
  const views: RootEntryView[] = [];
  const limits = limitsOf(iommu);
  for (let bus = 0; bus < 256; bus++) {
    const entryAddress = rootTable + bus * 16;
    if (isZero(iommu, entryAddress)) continue;
    const steps: IommuWalkStep[] = [];
    readContext(mem, rootTable, bus << 8, limits, steps);
    const rootStep = steps[0]!;
    const contexts: ContextEntryView[] = [];
    const contextTable = steps[1]?.entryAddress ?? -1;
    if (rootStep.outcome === 'next' && mem.isRam(contextTable, 4096)) {
      for (let devfn = 0; devfn < 256; devfn++) {
        if (isZero(iommu, contextTable + devfn * 16)) continue;
        const contextSteps: IommuWalkStep[] = [];
        const sourceId = (bus << 8) | devfn;
        const looked = readContext(mem, rootTable, sourceId, limits, contextSteps);
        const step = contextSteps[1]!;
        contexts.push({ devfn, sourceId, name: formatSourceId(sourceId), entryAddress: step.entryAddress, value: step.value, valueHigh: step.valueHigh ?? '', flags: step.flags, outcome: step.outcome, domainId: looked.ok ? looked.context.domainId : domainIdOf(step.valueHigh), secondLevelRoot: looked.ok ? looked.context.secondLevelRoot : 0 });
      }
    }
    views.push({ bus, entryAddress, value: rootStep.value, valueHigh: rootStep.valueHigh ?? '', flags: rootStep.flags, outcome: rootStep.outcome, contexts });
  }
  return views;
}

function isZero(iommu: Iommu, address: number): boolean {
  if (!iommu.mem.isRam(address, 16)) return false;
  const view = iommu.mem.view;
  return view.getUint32(address, true) === 0 && view.getUint32(address + 4, true) === 0 && view.getUint32(address + 8, true) === 0 && view.getUint32(address + 12, true) === 0;
}

function domainIdOf(valueHigh: string | undefined): number {
  return valueHigh ? Number((BigInt(valueHigh) >> 8n) & 0xffffn) : 0;
}

