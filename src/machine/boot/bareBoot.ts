/**
 * Bare-mode boot protocol: long mode at CPL 0 with identity-mapped 2 MiB pages over at
 * least 4 GiB, a GDT with ring-0/ring-3 selectors and a 64-bit TSS in TR, interrupts
 * disabled, an empty IDT, IA32_FEATURE_CONTROL locked with VMX enabled.
 */
import type { Cpu } from '../cpu/cpu';
import { Ar, encodeDescriptor } from '../cpu/segment';
import { Seg } from '../cpu/registers';
import { Cr0, Cr4, Efer } from '../paging/walker';
import { BareLayout, Selector } from './layout';
import { Msr } from '../cpu/msrIndex';

const GIB = 2 ** 30;

export interface BootOptions {
  entry: number;
  /** IA32_FEATURE_CONTROL value (default 5: locked, VMX outside SMX enabled). */
  featureControl?: bigint;
}

const CODE64 = 0xb | Ar.S | Ar.P | Ar.L | Ar.G; // execute/read, accessed
const DATA = 0x3 | Ar.S | Ar.P | Ar.DB | Ar.G; // read/write, accessed
const CODE32 = 0xb | Ar.S | Ar.P | Ar.DB | Ar.G;
const TSS64_BUSY = 0xb | Ar.P;

function dpl(level: number): number {
  return level << Ar.DPL_SHIFT;
}

function writeGdt(cpu: Cpu): void {
  const mem = cpu.mem;
  const entries: [number, number][] = [
    [0, 0],
    encodeDescriptor(0, 0xfffff, CODE64),
    encodeDescriptor(0, 0xfffff, DATA),
    encodeDescriptor(0, 0xfffff, CODE32 | dpl(3)),
    encodeDescriptor(0, 0xfffff, DATA | dpl(3)),
    encodeDescriptor(0, 0xfffff, CODE64 | dpl(3)),
    encodeDescriptor(BareLayout.tss, BareLayout.tssLimit, TSS64_BUSY & ~Ar.G),
    [0, 0], // upper half of the 16-byte TSS descriptor: base 63:32 = 0
  ];
  entries.forEach(([lo, hi], i) => {
    mem.write32(BareLayout.gdt + i * 8, lo);
    mem.write32(BareLayout.gdt + i * 8 + 4, hi);
  });
  cpu.gdtr.base = BareLayout.gdt;
  cpu.gdtr.limit = entries.length * 8 - 1;
}

function writeTss(cpu: Cpu): void {
  const mem = cpu.mem;
  const tss = BareLayout.tss;
  mem.write32(tss + 4, BareLayout.rsp0Top); // RSP0
  mem.write32(tss + 0x24, BareLayout.ist1Top); // IST1
  mem.write16(tss + 0x66, BareLayout.tssIoBitmapOffset);
  mem.ram.fill(0xff, tss + BareLayout.tssIoBitmapOffset, tss + BareLayout.tssLimit + 1);
}

function writePageTables(cpu: Cpu): number {
  const mem = cpu.mem;
  const gib = Math.max(4, Math.ceil(mem.size / GIB));
  mem.write32(BareLayout.pml4, BareLayout.pdpt | 0x7); // P RW US
  for (let g = 0; g < gib; g++) {
    const pd = BareLayout.pageDirectories + g * 0x1000;
    mem.write32(BareLayout.pdpt + g * 8, pd | 0x7);
    for (let i = 0; i < 512; i++) {
      const address = g * GIB + i * 2 * 2 ** 20;
      mem.write32(pd + i * 8, ((address % 2 ** 32) | 0x87) >>> 0); // P RW US PS
      mem.write32(pd + i * 8 + 4, Math.floor(address / 2 ** 32));
    }
  }
  return gib;
}

/** Puts the CPU in the documented bare-mode state. */
export function bootBare(cpu: Cpu, options: BootOptions): { mappedGiB: number } {
  writeGdt(cpu);
  writeTss(cpu);
  const mappedGiB = writePageTables(cpu);

  cpu.cr3 = BareLayout.pml4;
  cpu.cr4 = Cr4.PAE;
  cpu.efer = Efer.SCE | Efer.LME | Efer.LMA | Efer.NXE;
  cpu.cr0 = (Cr0.PE | Cr0.MP | Cr0.ET | Cr0.NE | Cr0.WP | Cr0.PG) >>> 0;
  cpu.idtr.base = 0;
  cpu.idtr.limit = 0;

  const flat = (selector: number, rights: number): [number, number, number, number] => [selector, 0, 0xffffffff, rights];
  cpu.segments[Seg.CS]!.load(...flat(Selector.kernelCode, CODE64));
  for (const seg of [Seg.DS, Seg.ES, Seg.SS]) cpu.segments[seg]!.load(...flat(Selector.kernelData, DATA));
  for (const seg of [Seg.FS, Seg.GS]) cpu.segments[seg]!.load(0, 0, 0xffffffff, Ar.UNUSABLE);
  cpu.tr.load(Selector.tss, BareLayout.tss, BareLayout.tssLimit, TSS64_BUSY);
  cpu.ldtr.load(0, 0, 0, Ar.UNUSABLE);
  cpu.cpl = 0;
  cpu.bitness = 64;
  cpu.rflags = 0x2; // IF clear
  cpu.rip = options.entry;
  cpu.setStackPointer(BareLayout.stackTop);
  cpu.msrs.set(Msr.IA32_FEATURE_CONTROL, options.featureControl ?? 5n);
  cpu.flushTlb(true);
  return { mappedGiB };
}
