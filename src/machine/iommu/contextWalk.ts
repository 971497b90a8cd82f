/**
 * Root table → context entry lookup of legacy-mode VT-d (fact sheet §7.2–7.3). Pure
 * reads of host RAM (no side effects); an optional trace records every entry read.
 *
 *   source-id: 15..8 bus (root-table index) | 7..3 device, 2..0 function (devfn: context index)
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import { FaultReason } from './faultReasons';
import { HOST_ADDRESS_WIDTH } from './registers';
import { entryHex, type IommuWalkStep } from './walkTypes';

const TWO32 = 4294967296;
/** Bits 63:HAW of a 64-bit table pointer, as a mask of its high dword. */
export const HIGH_ADDRESS_RESERVED = ~((1 << (HOST_ADDRESS_WIDTH - 32)) - 1) >>> 0;
const ROOT_LOW_RESERVED = 0xffe;
const CONTEXT_LOW_RESERVED = 0xff0;
const CONTEXT_WORD2_RESERVED = 0xff000080;

/** Translation types of a legacy context entry. */
export const TranslationType = { untranslated: 0, deviceTlb: 1, passThrough: 2 } as const;

/** A present, valid context entry: how one requester's DMA is translated. */
export interface ContextInfo {
  readonly sourceId: number;
  readonly domainId: number;
  /** 0 = second-level translation, 2 = pass-through. */
  readonly translationType: number;
  /** AGAW encoding (1 = 39-bit/3-level, 2 = 48-bit/4-level). */
  readonly addressWidth: number;
  readonly levels: number;
  readonly widthBits: number;
  readonly secondLevelRoot: number;
  readonly faultProcessingDisable: boolean;
}

export type ContextResult =
  | { readonly ok: true; readonly context: ContextInfo }
  | { readonly ok: false; readonly reason: number; readonly faultProcessingDisable: boolean };

/** What this unit supports (from CAP/ECAP). */
export interface ContextLimits {
  readonly sagaw: number;
  readonly passThrough: boolean;
}

interface Entry128 {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
}

function read128(mem: PhysicalMemory, address: number): Entry128 | undefined {
  if (!mem.isRam(address, 16)) return undefined;
  const view = mem.view;
  return { w0: view.getUint32(address, true), w1: view.getUint32(address + 4, true), w2: view.getUint32(address + 8, true), w3: view.getUint32(address + 12, true) };
}

function tablePointer(low: number, high: number): number {
  return (high & ~HIGH_ADDRESS_RESERVED) * TWO32 + ((low & 0xfffff000) >>> 0);
}

/** Looks up the context entry of `sourceId` under the root table at `rootTable`. */
export function readContext(mem: PhysicalMemory, rootTable: number, sourceId: number, limits: ContextLimits, trace?: IommuWalkStep[]): ContextResult {
  const fail = (reason: number, fpd = false): ContextResult => ({ ok: false, reason, faultProcessingDisable: fpd });
  const bus = (sourceId >>> 8) & 0xff;
  const rootAddress = rootTable + bus * 16;
  const root = read128(mem, rootAddress);
  if (root === undefined) {
    trace?.push({ table: 'root', level: 0, index: bus, entryAddress: rootAddress, value: '', flags: [], outcome: 'access-error' });
    return fail(FaultReason.rootTableAccess);
  }
  const rootReserved = (root.w0 & ROOT_LOW_RESERVED) !== 0 || (root.w1 & HIGH_ADDRESS_RESERVED) !== 0 || root.w2 !== 0 || root.w3 !== 0;
  const rootPresent = (root.w0 & 1) !== 0;
  const contextTable = tablePointer(root.w0, root.w1);
  trace?.push({
    table: 'root', level: 0, index: bus, entryAddress: rootAddress, value: entryHex(root.w1, root.w0), valueHigh: entryHex(root.w3, root.w2),
    flags: rootPresent ? ['P', `CTP=0x${contextTable.toString(16)}`] : ['not present'],
    outcome: !rootPresent ? 'not-present' : rootReserved ? 'reserved' : 'next',
  });
  if (!rootPresent) return fail(FaultReason.rootNotPresent);
  if (rootReserved) return fail(FaultReason.rootReserved);

  const devfn = sourceId & 0xff;
  const contextAddress = contextTable + devfn * 16;
  const entry = read128(mem, contextAddress);
  if (entry === undefined) {
    trace?.push({ table: 'context', level: 0, index: devfn, entryAddress: contextAddress, value: '', flags: [], outcome: 'access-error' });
    return fail(FaultReason.contextTableAccess);
  }
  const decoded = decodeContext(sourceId, entry);
  const problem = contextProblem(entry, decoded, limits);
  trace?.push({
    table: 'context', level: 0, index: devfn, entryAddress: contextAddress, value: entryHex(entry.w1, entry.w0), valueHigh: entryHex(entry.w3, entry.w2),
    flags: contextFlags(entry, decoded),
    outcome: problem === undefined ? 'next' : problem === FaultReason.contextNotPresent ? 'not-present' : problem === FaultReason.contextReserved ? 'reserved' : 'invalid',
  });
  if (problem !== undefined) return fail(problem, decoded.faultProcessingDisable);
  return { ok: true, context: decoded };
}

function decodeContext(sourceId: number, entry: Entry128): ContextInfo {
  const addressWidth = entry.w2 & 7;
  return {
    sourceId,
    domainId: (entry.w2 >>> 8) & 0xffff,
    translationType: (entry.w0 >>> 2) & 3,
    addressWidth,
    levels: addressWidth + 2,
    widthBits: 30 + 9 * addressWidth,
    secondLevelRoot: tablePointer(entry.w0, entry.w1),
    faultProcessingDisable: (entry.w0 & 2) !== 0,
  };
}

/** The fault reason a context entry causes before any address is translated, if any. */
function contextProblem(entry: Entry128, context: ContextInfo, limits: ContextLimits): number | undefined {
  if ((entry.w0 & 1) === 0) return FaultReason.contextNotPresent;
  if ((entry.w0 & CONTEXT_LOW_RESERVED) !== 0 || (entry.w1 & HIGH_ADDRESS_RESERVED) !== 0 || (entry.w2 & CONTEXT_WORD2_RESERVED) !== 0 || entry.w3 !== 0) {
    return FaultReason.contextReserved;
  }
  const tt = context.translationType;
  if (tt === TranslationType.passThrough) return limits.passThrough ? undefined : FaultReason.contextInvalid;
  if (tt !== TranslationType.untranslated) return FaultReason.contextInvalid; // device-TLB (no ECAP.DT) or reserved 3
  if (context.addressWidth > 4 || (limits.sagaw & (1 << context.addressWidth)) === 0) return FaultReason.contextInvalid;
  return undefined;
}

function contextFlags(entry: Entry128, context: ContextInfo): string[] {
  if ((entry.w0 & 1) === 0) return (entry.w0 & 2) !== 0 ? ['not present', 'FPD'] : ['not present'];
  const tt = ['untranslated', 'device-TLB', 'pass-through', 'reserved'][context.translationType] ?? '?';
  const flags = ['P', `TT=${context.translationType} (${tt})`, `AW=${context.addressWidth} (${context.widthBits}-bit, ${context.levels}-level)`, `DID=${context.domainId}`, `SLPTPTR=0x${context.secondLevelRoot.toString(16)}`];
  if (context.faultProcessingDisable) flags.push('FPD');
  return flags;
}
