// The `hyperscope/pageTables` custom request: the guest's 4-level page tables from CR3 as a
// tree of present entries, read with peek (no A/D bits set). Table addresses are
// guest-physical; under EPT they are translated to host-physical to read them.
import type { PageTableNode, PageTablesResult } from '../protocol/dap';
import type { Debuggee } from './debuggee';
import { hex64 } from './format';

const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4'];
const DEFAULT_MAX = 512;
const LIMIT = 65536;
const TWO32 = 4294967296;

function flagsOf(lo: number, hi: number, level: number): string[] {
  const flags = ['P', lo & 2 ? 'RW' : 'RO', lo & 4 ? 'U' : 'S'];
  if (lo & 8) flags.push('PWT');
  if (lo & 16) flags.push('PCD');
  if (lo & 32) flags.push('A');
  const leaf = level === 1 || (level < 4 && (lo & 0x80) !== 0);
  if (leaf && lo & 64) flags.push('D');
  if (leaf && lo & 256) flags.push('G');
  if (level > 1 && lo & 0x80) flags.push('PS');
  if (hi >>> 31) flags.push('NX');
  return flags;
}

/** Sign-extends bit 47 of a linear address built from table indexes. */
function canonical(linear: number): number {
  return linear >= 2 ** 47 ? linear - 2 ** 48 : linear;
}

export function pageTables(debuggee: Debuggee, maxEntries = DEFAULT_MAX): PageTablesResult {
  const cpu = debuggee.machine.cpu;
  const max = Math.max(1, Math.min(LIMIT, maxEntries));
  let entries = 0;
  let truncated = false;

  const table = (gpa: number, level: number, linearBase: number): PageTableNode[] => {
    const host = debuggee.memory.toHost('gpa', gpa);
    if (host === undefined) return [];
    const bytes = debuggee.machine.mem.peek(host, 4096);
    const view = new DataView(bytes.buffer);
    const nodes: PageTableNode[] = [];
    for (let index = 0; index < 512; index++) {
      const lo = view.getUint32(index * 8, true);
      if ((lo & 1) === 0) continue;
      if (entries >= max) {
        truncated = true;
        break;
      }
      entries++;
      const hi = view.getUint32(index * 8 + 4, true);
      const span = 2 ** (12 + 9 * (level - 1));
      const base = linearBase + index * span;
      const frame = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
      const node: PageTableNode = {
        level,
        levelName: LEVEL_NAMES[level]!,
        index,
        entryAddress: hex64(gpa + index * 8),
        value: hex64((BigInt(hi) << 32n) | BigInt(lo)),
        flags: flagsOf(lo, hi, level),
        linearBase: hex64(canonical(base)),
      };
      if (level === 1 || (level < 4 && (lo & 0x80) !== 0)) {
        node.pageSize = span;
        node.frame = hex64(frame - (frame % span));
      } else {
        node.children = table(frame, level - 1, base);
      }
      nodes.push(node);
    }
    return nodes;
  };

  const pagingEnabled = cpu.pagingEnabled;
  const root = Math.floor(cpu.cr3 / 4096) * 4096;
  return { cr3: hex64(cpu.cr3), pagingEnabled, roots: pagingEnabled ? table(root, 4, 0) : [], entries, truncated };
}
