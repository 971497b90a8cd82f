// Named bits of the control registers, EFER and segment access rights (SDM Vol. 3 2.5,
// 2.2.1, 3.4.5; access rights in the VMX format of the fact sheet §1.3), for decoding
// registers bit by bit in the variables view.

export interface BitField {
  readonly name: string;
  /** Lowest bit. */
  readonly bit: number;
  /** Width in bits (default 1). */
  readonly width?: number;
  readonly description: string;
}

export const CR0_BITS: readonly BitField[] = [
  { name: 'PE', bit: 0, description: 'protection enable' },
  { name: 'MP', bit: 1, description: 'monitor coprocessor' },
  { name: 'EM', bit: 2, description: 'x87 emulation' },
  { name: 'TS', bit: 3, description: 'task switched' },
  { name: 'ET', bit: 4, description: 'extension type' },
  { name: 'NE', bit: 5, description: 'numeric error' },
  { name: 'WP', bit: 16, description: 'write protect' },
  { name: 'AM', bit: 18, description: 'alignment mask' },
  { name: 'NW', bit: 29, description: 'not write-through' },
  { name: 'CD', bit: 30, description: 'cache disable' },
  { name: 'PG', bit: 31, description: 'paging' },
];

export const CR3_BITS: readonly BitField[] = [
  { name: 'PWT', bit: 3, description: 'page-level write-through' },
  { name: 'PCD', bit: 4, description: 'page-level cache disable' },
  { name: 'PML4', bit: 12, width: 40, description: 'physical address of the PML4 table (shifted right by 12)' },
];

export const CR4_BITS: readonly BitField[] = [
  { name: 'VME', bit: 0, description: 'virtual-8086 mode extensions' },
  { name: 'PVI', bit: 1, description: 'protected-mode virtual interrupts' },
  { name: 'TSD', bit: 2, description: 'time stamp disable' },
  { name: 'DE', bit: 3, description: 'debugging extensions' },
  { name: 'PSE', bit: 4, description: 'page size extensions' },
  { name: 'PAE', bit: 5, description: 'physical address extension' },
  { name: 'MCE', bit: 6, description: 'machine-check enable' },
  { name: 'PGE', bit: 7, description: 'page global enable' },
  { name: 'PCE', bit: 8, description: 'performance-monitoring counter enable' },
  { name: 'OSFXSR', bit: 9, description: 'FXSAVE/FXRSTOR support' },
  { name: 'OSXMMEXCPT', bit: 10, description: 'unmasked SIMD exceptions' },
  { name: 'UMIP', bit: 11, description: 'user-mode instruction prevention' },
  { name: 'LA57', bit: 12, description: '5-level paging' },
  { name: 'VMXE', bit: 13, description: 'VMX enable' },
  { name: 'SMXE', bit: 14, description: 'SMX enable' },
  { name: 'FSGSBASE', bit: 16, description: 'RDFSBASE etc. enable' },
  { name: 'PCIDE', bit: 17, description: 'PCID enable' },
  { name: 'OSXSAVE', bit: 18, description: 'XSAVE enable' },
  { name: 'SMEP', bit: 20, description: 'supervisor-mode execution prevention' },
  { name: 'SMAP', bit: 21, description: 'supervisor-mode access prevention' },
];

export const EFER_BITS: readonly BitField[] = [
  { name: 'SCE', bit: 0, description: 'SYSCALL enable' },
  { name: 'LME', bit: 8, description: 'long mode enable' },
  { name: 'LMA', bit: 10, description: 'long mode active' },
  { name: 'NXE', bit: 11, description: 'no-execute enable' },
];

export const ACCESS_RIGHTS_BITS: readonly BitField[] = [
  { name: 'type', bit: 0, width: 4, description: 'segment type' },
  { name: 'S', bit: 4, description: 'code/data (1) or system (0)' },
  { name: 'DPL', bit: 5, width: 2, description: 'descriptor privilege level' },
  { name: 'P', bit: 7, description: 'present' },
  { name: 'AVL', bit: 12, description: 'available to software' },
  { name: 'L', bit: 13, description: '64-bit code segment' },
  { name: 'D/B', bit: 14, description: 'default operation size 32' },
  { name: 'G', bit: 15, description: 'granularity 4 KiB' },
  { name: 'unusable', bit: 16, description: 'segment unusable' },
];

/** The field's value in `value`. */
export function fieldValue(value: bigint, field: BitField): bigint {
  return (value >> BigInt(field.bit)) & ((1n << BigInt(field.width ?? 1)) - 1n);
}

/** `PE MP ET NE WP PG`: the names of the set one-bit fields. */
export function setBitNames(value: bigint, fields: readonly BitField[]): string {
  return fields
    .filter((f) => (f.width ?? 1) === 1 && fieldValue(value, f) !== 0n)
    .map((f) => f.name)
    .join(' ');
}
