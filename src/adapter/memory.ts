// The debugger's view of memory in three address spaces: guest-virtual (through the one
// page walker in side-effect-free mode), guest-physical (through EPT when a guest runs
// under it) and host-physical. Reads and writes use peek/poke: no A/D bits, no device
// side effects, no faults. Memory references look like `gva:0x100000`; a bare number is gva.
import type { Machine } from '../machine/machine';
import { walk } from '../machine/paging/walker';
import { Access, type WalkStep, type WalkTrace } from '../machine/paging/types';
import { bigIntToLinear } from '../machine/cpu/state';
import type { AddressSpace } from '../protocol/dap';
import { parseInteger } from './format';

const PAGE = 4096;

export interface MemoryReference {
  space: AddressSpace;
  /** The address; for gva a signed-canonical number (non-canonical gva references are rejected). */
  address: number;
}

export class MemoryReferenceError extends Error {}

/** Parses `gva:0x...`, `gpa:...`, `hpa:...` or a bare number (gva). */
export function parseMemoryReference(text: string, offset = 0): MemoryReference {
  const match = /^\s*(?:(gva|gpa|hpa):)?\s*(.+?)\s*$/i.exec(text);
  const value = match ? parseInteger(match[2]!) : undefined;
  if (!match || value === undefined) throw new MemoryReferenceError(`'${text}' is not a memory reference (expected gva:0x..., gpa:0x... or hpa:0x...)`);
  const space = (match[1]?.toLowerCase() ?? 'gva') as AddressSpace;
  const total = value + BigInt(offset);
  if (space === 'gva') {
    const linear = bigIntToLinear(BigInt.asUintN(64, total));
    if (linear === undefined) throw new MemoryReferenceError(`gva 0x${BigInt.asUintN(64, total).toString(16)} is not canonical`);
    return { space, address: linear };
  }
  if (total < 0n || total >= 1n << 52n) throw new MemoryReferenceError(`${space} 0x${total.toString(16)} is outside the 52-bit physical address range`);
  return { space, address: Number(total) };
}

export function formatMemoryReference(space: AddressSpace, address: number): string {
  return `${space}:0x${BigInt.asUintN(64, BigInt(address)).toString(16)}`;
}

export class DebugMemory {
  constructor(private readonly machine: Machine) {}

  /** The page walk of `linear` with every step recorded; nothing in memory changes. */
  walkTrace(linear: number, kind: Access = Access.Read, user = false): WalkTrace {
    const cpu = this.machine.cpu;
    const trace: WalkTrace = { linear, steps: [] };
    if (!cpu.pagingEnabled) {
      trace.guestPhysical = linear >>> 0;
      trace.physical = this.guestToHost(linear >>> 0);
      return trace;
    }
    const page = Math.floor(linear / PAGE);
    trace.tlbHit = cpu.tlb.find(page, cpu.tlbContext) >= 0;
    walk(this.machine.mem, cpu, linear, { kind, user }, false, cpu.guestPhysical, trace);
    return trace;
  }

  /** The EPT walk of a guest-physical address (empty steps when no EPT is active), without side effects. */
  eptTrace(gpa: number): { steps: WalkStep[]; physical: number | undefined } {
    const ept = this.machine.cpu.guestPhysical;
    if (!ept) return { steps: [], physical: gpa };
    const steps: WalkStep[] = [];
    const hpa = ept.translate(gpa, { access: Access.Read, linear: undefined, pagingStructure: false, sideEffects: false, trace: steps, forGuestLevel: 0, user: false });
    return { steps, physical: hpa >= 0 ? hpa : undefined };
  }

  /** Host-physical address for `address` in `space`, or undefined when it does not translate. */
  toHost(space: AddressSpace, address: number): number | undefined {
    if (space === 'hpa') return address;
    if (space === 'gpa') return this.guestToHost(address);
    const trace = this.walkTrace(address);
    return trace.physical !== undefined && trace.physical >= 0 ? trace.physical : undefined;
  }

  private guestToHost(gpa: number): number | undefined {
    const ept = this.machine.cpu.guestPhysical;
    if (!ept) return gpa;
    const hpa = ept.translate(gpa, { access: Access.Read, linear: undefined, pagingStructure: false, sideEffects: false, trace: undefined, forGuestLevel: 0, user: false });
    return hpa >= 0 ? hpa : undefined;
  }

  /**
   * Reads `count` bytes. Stops at the first byte that does not translate or lies outside
   * RAM and MMIO; returns what was read and how many bytes after it are unreadable.
   */
  read(ref: MemoryReference, count: number): { bytes: Uint8Array; unreadable: number } {
    const out: number[] = [];
    let address = ref.address;
    while (out.length < count) {
      const chunk = Math.min(count - out.length, PAGE - (((address % PAGE) + PAGE) % PAGE));
      const host = this.toHost(ref.space, address);
      if (host === undefined || !this.readable(host, chunk)) break;
      for (const byte of this.machine.mem.peek(host, chunk)) out.push(byte);
      address += chunk;
    }
    return { bytes: Uint8Array.from(out), unreadable: count - out.length };
  }

  /** Writes bytes into RAM; returns how many were written (stops where translation or RAM ends). */
  write(ref: MemoryReference, bytes: Uint8Array): number {
    let written = 0;
    let address = ref.address;
    while (written < bytes.length) {
      const chunk = Math.min(bytes.length - written, PAGE - (((address % PAGE) + PAGE) % PAGE));
      const host = this.toHost(ref.space, address);
      if (host === undefined || !this.machine.mem.isRam(host, chunk)) break;
      this.machine.mem.poke(host, bytes.subarray(written, written + chunk));
      written += chunk;
      address += chunk;
    }
    if (written > 0) this.afterWrite();
    return written;
  }

  /** Reads a little-endian value of `size` bytes at a guest-virtual address, or undefined when unmapped. */
  readValue(linear: number, size: number): bigint | undefined {
    const { bytes } = this.read({ space: 'gva', address: linear }, size);
    if (bytes.length < size) return undefined;
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
    return value;
  }

  private readable(host: number, length: number): boolean {
    const mem = this.machine.mem;
    return mem.isRam(host, length) || mem.mmioRegionAt(host) !== undefined;
  }

  /** Code the debugger overwrote must be decoded again. */
  private afterWrite(): void {
    this.machine.cpu.codeGeneration++;
  }
}
