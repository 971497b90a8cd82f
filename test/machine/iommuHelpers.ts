/** Test helpers for the VT-d unit: register access through the DMAR MMIO page and a table builder in host RAM. */
import { Machine } from '../../src/machine/machine';
import { DMAR_BASE, Gcmd, Reg } from '../../src/machine/iommu/registers';
import { sourceId } from '../../src/machine/devices/dma';

export const DEVICE = sourceId(0, 3, 0); // 00:03.0
export const DOMAIN = 7;

export class Dmar {
  constructor(readonly machine: Machine) {}
  r32(offset: number): number {
    return this.machine.mem.read32(DMAR_BASE + offset);
  }
  w32(offset: number, value: number): void {
    this.machine.mem.write32(DMAR_BASE + offset, value >>> 0);
  }
  r64(offset: number): bigint {
    return this.machine.mem.read64(DMAR_BASE + offset);
  }
  w64(offset: number, value: bigint): void {
    this.machine.mem.write64(DMAR_BASE + offset, value);
  }
}

export interface ContextOptions {
  present?: boolean;
  fpd?: boolean;
  tt?: number;
  aw?: number;
  did?: number;
  slpt?: number;
  extraLow?: bigint;
  extraHigh?: bigint;
}

/** Builds root/context/second-level tables from 0x400000 up. */
export class Tables {
  readonly root = 0x400000;
  private next = 0x401000;
  readonly contextTables = new Map<number, number>();
  readonly slpt: number;

  constructor(readonly machine: Machine) {
    this.slpt = this.page();
  }

  page(): number {
    const address = this.next;
    this.next += 0x1000;
    this.machine.mem.load(address, new Uint8Array(0x1000));
    return address;
  }

  w64(address: number, value: bigint): void {
    this.machine.mem.write64(address, value);
  }

  r64(address: number): bigint {
    return this.machine.mem.read64(address);
  }

  rootEntry(bus: number, low: bigint, high = 0n): void {
    this.w64(this.root + bus * 16, low);
    this.w64(this.root + bus * 16 + 8, high);
  }

  contextTable(bus: number): number {
    let table = this.contextTables.get(bus);
    if (table === undefined) {
      table = this.page();
      this.contextTables.set(bus, table);
      this.rootEntry(bus, BigInt(table) | 1n);
    }
    return table;
  }

  context(sid: number, options: ContextOptions = {}): number {
    const table = this.contextTable(sid >>> 8);
    const entry = table + (sid & 0xff) * 16;
    const low = BigInt(options.slpt ?? this.slpt) | ((options.present ?? true) ? 1n : 0n) | (options.fpd ? 2n : 0n) | (BigInt(options.tt ?? 0) << 2n) | (options.extraLow ?? 0n);
    const high = BigInt(options.aw ?? 2) | (BigInt(options.did ?? DOMAIN) << 8n) | (options.extraHigh ?? 0n);
    this.w64(entry, low);
    this.w64(entry + 8, high);
    return entry;
  }

  /** Maps one page of `size` (4 KiB, 2 MiB or 1 GiB) at `address` → `host` with R/W bits `rw` (4-level tables under `slpt`). */
  map(address: number, host: number, rw = 3n, size = 0x1000, slpt = this.slpt, levels = 4): number {
    const leafLevel = size === 0x1000 ? 1 : size === 0x200000 ? 2 : 3;
    let table = slpt;
    for (let level = levels; level > leafLevel; level--) {
      const entry = table + (Math.floor(address / 2 ** (12 + 9 * (level - 1))) % 512) * 8;
      let value = this.r64(entry);
      if ((value & 3n) === 0n) {
        value = BigInt(this.page()) | 3n;
        this.w64(entry, value);
      }
      table = Number(value & 0xffffffffff000n);
    }
    const leaf = table + (Math.floor(address / 2 ** (12 + 9 * (leafLevel - 1))) % 512) * 8;
    this.w64(leaf, BigInt(host) | rw | (leafLevel > 1 ? 0x80n : 0n));
    return leaf;
  }

  /** The entry address at `level` for `address` (after `map`). */
  entryAt(address: number, level: number, slpt = this.slpt, levels = 4): number {
    let table = slpt;
    for (let l = levels; l > level; l--) {
      const value = this.r64(table + (Math.floor(address / 2 ** (12 + 9 * (l - 1))) % 512) * 8);
      table = Number(value & 0xffffffffff000n);
    }
    return table + (Math.floor(address / 2 ** (12 + 9 * (level - 1))) % 512) * 8;
  }
}

/** A machine with RTADDR → the builder's root table, SRTP and TE done through the registers. */
export function translatingMachine(): { machine: Machine; dmar: Dmar; tables: Tables } {
  const machine = new Machine({ memoryMB: 64 });
  const dmar = new Dmar(machine);
  const tables = new Tables(machine);
  dmar.w64(Reg.RTADDR, BigInt(tables.root));
  dmar.w32(Reg.GCMD, Gcmd.SRTP);
  dmar.w32(Reg.GCMD, Gcmd.TE);
  return { machine, dmar, tables };
}
