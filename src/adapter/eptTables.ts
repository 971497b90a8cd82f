// The `hyperscope/eptTables` custom request: the current VMCS's EPT one table at a time
// (the PML4 the EPTP names, or any table by host-physical address, so the view expands
// lazily). Entries are read with peek (no A/D bits set); misconfigurations are judged by
// the EPT walker's own rule (`misconfiguration` in paging/ept.ts), not a second copy.
//
//   GPA:  47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT | 11..0 offset
import type { Machine } from '../machine/machine';
import { F } from '../machine/vmx/fields';
import { EptEntry, eptEntryFlags, misconfiguration } from '../machine/paging/ept';
import type { EptEntryNode, EptTablesArguments, EptTablesResult } from '../protocol/dap';
import { hex64, parseInteger } from './format';
import { UserError } from './errors';

const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4'];
const TWO32 = 2 ** 32;
const ADDRESS_MASK = 0x000ffffffffff000n;

/** EPT memory types (SDM 29.3.7): the encodings an EPTP or a leaf may use, by name. */
const MEMORY_TYPES: Readonly<Record<number, string>> = { 0: 'UC', 1: 'WC', 4: 'WT', 5: 'WP', 6: 'WB' };

function memoryTypeName(type: number): string {
  return `${type} (${MEMORY_TYPES[type] ?? 'reserved'})`;
}

function entryNode(lo: number, hi: number, level: number, index: number, entryAddress: number, guestPhysical: number): EptEntryNode {
  const leaf = level === 1 || (level < 4 && (lo & EptEntry.PS) !== 0);
  const flags = eptEntryFlags(lo, level, leaf);
  const address = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
  const node: EptEntryNode = {
    level,
    levelName: LEVEL_NAMES[level]!,
    index,
    entryAddress: hex64(entryAddress),
    value: hex64((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)),
    permissions: `${lo & 1 ? 'R' : '-'}${lo & 2 ? 'W' : '-'}${lo & 4 ? 'X' : '-'}`,
    flags,
    guestPhysical: hex64(guestPhysical),
  };
  const bad = misconfiguration(lo, hi, level, leaf, { executeOnly: true });
  if (bad !== undefined) node.misconfiguration = bad;
  if (leaf) {
    const span = 2 ** (12 + 9 * (level - 1));
    node.pageSize = span;
    node.frame = hex64(address - (address % span));
    node.memoryType = memoryTypeName((lo >>> 3) & 7);
    node.ignorePat = (lo & EptEntry.IGNORE_PAT) !== 0;
  } else {
    node.table = hex64(address);
  }
  return node;
}

/** The present (or misconfigured) entries of the table at host-physical `table`. */
function listTable(machine: Machine, table: number, level: number, guestPhysicalBase: number): EptEntryNode[] {
  if (!machine.mem.isRam(table, 4096)) throw new UserError(`the EPT ${LEVEL_NAMES[level]} at host-physical ${hex64(table)} is not in RAM`);
  const bytes = machine.mem.peek(table, 4096);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4096);
  const span = 2 ** (12 + 9 * (level - 1));
  const out: EptEntryNode[] = [];
  for (let index = 0; index < 512; index++) {
    const lo = view.getUint32(index * 8, true);
    const hi = view.getUint32(index * 8 + 4, true);
    // not present: R, W and X all clear (other bits are ignored then, SDM 29.3.2)
    if ((lo & 7) === 0) continue;
    out.push(entryNode(lo, hi, level, index, table + index * 8, guestPhysicalBase + index * span));
  }
  return out;
}

function address(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = parseInteger(text);
  if (value === undefined || value < 0n || value >= 1n << 52n) throw new UserError(`eptTables: ${what} '${text}' is not a physical address`);
  return Number(value);
}

export function eptTables(machine: Machine, args: EptTablesArguments = {}): EptTablesResult {
  const vmcs = machine.vmx.current;
  if (!vmcs) return { available: false, reason: machine.vmx.operation === 'off' ? 'no EPT: VMX is off (no current VMCS)' : 'no EPT: no current VMCS (VMPTRLD one)' };
  const eptp = vmcs.get(F.EPT_POINTER);
  const secondaryActive = (vmcs.get32(F.CPU_BASED_VM_EXEC_CONTROL) >>> 31) === 1;
  const enabled = secondaryActive && (vmcs.get32(F.SECONDARY_VM_EXEC_CONTROL) & 2) !== 0;
  if (!enabled && eptp === 0n) return { available: false, reason: 'no EPT: "enable EPT" is not set in the current VMCS and EPT_POINTER is 0' };
  const root = Number(eptp & ADDRESS_MASK);
  const table = address(args.table, 'table') ?? root;
  const level = args.table === undefined ? 4 : (args.level ?? 0);
  if (!Number.isInteger(level) || level < 1 || level > 4) throw new UserError(`eptTables: level must be 1 (PT) to 4 (PML4), got ${String(args.level)}`);
  const guestPhysical = address(args.guestPhysical, 'guestPhysical') ?? 0;
  return {
    available: true,
    eptp: hex64(eptp),
    memoryType: memoryTypeName(Number(eptp & 7n)),
    walkLength: Number((eptp >> 3n) & 7n) + 1,
    accessedDirty: (eptp & 0x40n) !== 0n,
    enabled,
    table: hex64(table),
    level,
    guestPhysical: hex64(guestPhysical),
    entries: listTable(machine, table, level, guestPhysical),
  };
}
