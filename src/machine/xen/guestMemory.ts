/**
 * The hypervisor's view of guest memory while it handles a hypercall: guest-virtual
 * addresses are translated through the guest's own page tables and EPT (the same walk
 * the debugger uses), guest-physical frames through EPT alone. Every accessor returns
 * undefined / false for an address the guest may not use that way — the caller turns
 * that into -EFAULT; nothing here throws for a guest's bad pointer.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import { EptTranslator } from '../paging/ept';
import { Access } from '../paging/types';
import { F } from '../vmx/fields';
import { traceGuestWalk } from '../vmx/guestWalk';
import type { VmxUnit } from '../vmx/vmxUnit';
import { PAGE } from './abi';

const CANONICAL_LIMIT = 2 ** 47;

/** A 64-bit register value as a guest-linear address (undefined when not canonical). */
export function linearAddress(value: bigint): number | undefined {
  const signed = BigInt.asIntN(64, value);
  if (signed >= BigInt(CANONICAL_LIMIT) || signed < -BigInt(CANONICAL_LIMIT)) return undefined;
  return Number(signed);
}

export class GuestMemory {
  constructor(
    private readonly unit: VmxUnit,
    private readonly mem: PhysicalMemory,
  ) {}

  /** Host-physical address of guest-virtual `gva` for `access`, or undefined. */
  translate(gva: number, access: Access): number | undefined {
    const trace = traceGuestWalk(this.unit, gva, access);
    return trace?.physical !== undefined && this.mem.isRam(trace.physical) ? trace.physical : undefined;
  }

  /** Host-physical address of guest-physical `gpa` through EPT, or undefined (unmapped, ballooned, denied). */
  gpaToHpa(gpa: number, access: Access = Access.Read): number | undefined {
    const vmcs = this.unit.current;
    if (!vmcs || gpa < 0 || !Number.isSafeInteger(gpa)) return undefined;
    const ept = new EptTranslator(this.mem, vmcs.get(F.EPT_POINTER));
    const hpa = ept.translate(gpa, { access, linear: undefined, pagingStructure: false, sideEffects: false, trace: undefined, forGuestLevel: 0, user: false });
    return hpa >= 0 && this.mem.isRam(hpa) ? hpa : undefined;
  }

  /** `length` bytes at guest-virtual `gva` (page by page), or undefined if any byte is inaccessible. */
  read(gva: bigint | number, length: number): Uint8Array | undefined {
    return this.chunks(gva, length, Access.Read, (hpa, offset, size, out: Uint8Array) => out.set(this.mem.peek(hpa, size), offset));
  }

  /** Writes `bytes` at guest-virtual `gva`; false (nothing written) if any byte is not writable. */
  write(gva: bigint | number, bytes: Uint8Array): boolean {
    const pieces: [number, number, number][] = [];
    const ok = this.chunks(gva, bytes.length, Access.Write, (hpa, offset, size) => pieces.push([hpa, offset, size]));
    if (!ok) return false;
    for (const [hpa, offset, size] of pieces) this.mem.poke(hpa, bytes.subarray(offset, offset + size));
    return true;
  }

  readU16(gva: bigint | number): number | undefined {
    const b = this.read(gva, 2);
    return b && b[0]! | (b[1]! << 8);
  }

  readU32(gva: bigint | number): number | undefined {
    const b = this.read(gva, 4);
    return b && new DataView(b.buffer, b.byteOffset).getUint32(0, true);
  }

  readU64(gva: bigint | number): bigint | undefined {
    const b = this.read(gva, 8);
    return b && new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
  }

  writeU16(gva: bigint | number, value: number): boolean {
    return this.write(gva, Uint8Array.of(value & 0xff, (value >>> 8) & 0xff));
  }

  writeU32(gva: bigint | number, value: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.write(gva, b);
  }

  writeU64(gva: bigint | number, value: bigint): boolean {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    return this.write(gva, b);
  }

  private chunks(gva: bigint | number, length: number, access: Access, each: (hpa: number, offset: number, size: number, out: Uint8Array) => void): Uint8Array | undefined {
    const start = typeof gva === 'bigint' ? linearAddress(gva) : gva;
    if (start === undefined || length < 0 || length > 1 << 24) return undefined;
    const out = new Uint8Array(length);
    let offset = 0;
    while (offset < length) {
      const linear = start + offset;
      if (linear >= CANONICAL_LIMIT || (linear < 0 && linear < -CANONICAL_LIMIT)) return undefined;
      const size = Math.min(length - offset, PAGE - (((linear % PAGE) + PAGE) % PAGE));
      const hpa = this.translate(linear, access);
      if (hpa === undefined) return undefined;
      each(hpa, offset, size, out);
      offset += size;
    }
    return out;
  }
}
