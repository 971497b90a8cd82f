// Debug-console command `ept`: the current VMCS's EPT pointer decoded and the EPT's
// mappings as merged ranges (GPA → HPA, permissions, page size), read without side
// effects. Reserved-bit and memory-type problems are left to `translate gpa:<x>`, which
// walks the same tables step by step.
import type { Machine } from '../machine/machine';
import { F } from '../machine/vmx/fields';

const MAX_RANGES = 64;
const TWO32 = 2 ** 32;
const FRAME_MASK_HI = 0xfffff; // bits 51:32 of a table/page address

interface Mapping {
  gpa: number;
  hpa: number;
  size: number;
  perms: string;
  pageSize: number;
}

function entry(machine: Machine, address: number): { lo: number; hi: number } {
  const bytes = machine.mem.peek(address, 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return { lo: view.getUint32(0, true), hi: view.getUint32(4, true) };
}

function perms(lo: number): string {
  return `${lo & 1 ? 'R' : '-'}${lo & 2 ? 'W' : '-'}${lo & 4 ? 'X' : '-'}`;
}

/** Leaf mappings under the table at `table` for `level` (4 = PML4), in GPA order. */
function collect(machine: Machine, table: number, level: number, gpaBase: number, out: Mapping[]): void {
  const span = 2 ** (12 + 9 * (level - 1));
  for (let i = 0; i < 512 && out.length <= MAX_RANGES * 8; i++) {
    const { lo, hi } = entry(machine, table + i * 8);
    if ((lo & 7) === 0) continue; // not present
    const address = ((lo & 0xfffff000) >>> 0) + (hi & FRAME_MASK_HI) * TWO32;
    const gpa = gpaBase + i * span;
    const leaf = level === 1 || (level < 4 && (lo & 0x80) !== 0);
    if (leaf) out.push({ gpa, hpa: address - (address % span), size: span, perms: perms(lo), pageSize: span });
    else collect(machine, address, level - 1, gpa, out);
  }
}

function merge(mappings: Mapping[]): Mapping[] {
  const ranges: Mapping[] = [];
  for (const m of mappings) {
    const last = ranges[ranges.length - 1];
    if (last && last.gpa + last.size === m.gpa && last.hpa + last.size === m.hpa && last.perms === m.perms && last.pageSize === m.pageSize) last.size += m.size;
    else ranges.push({ ...m });
  }
  return ranges;
}

function size(bytes: number): string {
  return bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes / 1024} KiB`;
}

const hex = (value: number): string => '0x' + value.toString(16);

/** `ept`. */
export function eptCommand(_args: string, machine: Machine): string {
  const vmcs = machine.vmx.current;
  if (!vmcs) return 'no current VMCS (VMPTRLD one first, or launch with mode "guest")';
  const eptp = vmcs.get(F.EPT_POINTER);
  const secondaryActive = (vmcs.get32(F.CPU_BASED_VM_EXEC_CONTROL) >>> 31) === 1;
  const eptEnabled = secondaryActive && (vmcs.get32(F.SECONDARY_VM_EXEC_CONTROL) & 2) !== 0;
  const root = Number(eptp & 0x000ffffffffff000n);
  const header = `EPTP ${'0x' + eptp.toString(16)}: PML4 at HPA ${hex(root)}, memory type ${Number(eptp & 7n)}${(eptp & 7n) === 6n ? ' (WB)' : (eptp & 7n) === 0n ? ' (UC)' : ''}, walk length ${Number((eptp >> 3n) & 7n) + 1}, accessed/dirty flags ${eptp & 0x40n ? 'on' : 'off'}${eptEnabled ? '' : ' — "enable EPT" is not set in the secondary controls, so this EPT is not in use'}`;
  if (!machine.mem.isRam(root, 4096)) return `${header}\nthe PML4 is not in RAM`;
  const mappings: Mapping[] = [];
  collect(machine, root, 4, 0, mappings);
  const ranges = merge(mappings);
  if (ranges.length === 0) return `${header}\nno present entries: every guest-physical access is an EPT violation`;
  const lines = [header, `${'guest-physical'.padEnd(29)} ${'host-physical'.padEnd(20)} perm  size (pages)`];
  for (const r of ranges.slice(0, MAX_RANGES)) {
    lines.push(`${(hex(r.gpa) + '-' + hex(r.gpa + r.size - 1)).padEnd(29)} ${hex(r.hpa).padEnd(20)} ${r.perms}   ${size(r.size)} (${size(r.pageSize)} pages)`);
  }
  if (ranges.length > MAX_RANGES) lines.push(`… ${ranges.length - MAX_RANGES} more ranges`);
  return lines.join('\n');
}
