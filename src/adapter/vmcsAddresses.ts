// Which VMCS fields hold addresses, and in which address space, so views and the
// Variables scope can open them in VS Code's memory view: bitmaps, MSR lists, the EPT
// pointer, HOST_CR3 and the VMCS link pointer are host-physical; GUEST_CR3 and the
// guest-physical exit address are guest-physical; guest RIP/RSP/linear address are
// guest-virtual (only meaningful while the guest's paging is the CPU's: VMX non-root),
// host RIP/RSP host-virtual (while in VMX root operation).
import { F } from '../machine/vmx/fields';
import type { AddressSpace } from '../protocol/dap';
import { formatMemoryReference } from './memory';

type Where = { space: AddressSpace; mask: bigint; when?: 'non-root' | 'root' };

const PAGE = ~0xfffn & ((1n << 52n) - 1n);
const ALL = (1n << 64n) - 1n;

const ADDRESS_FIELDS: ReadonlyMap<number, Where> = new Map<number, Where>([
  [F.IO_BITMAP_A, { space: 'hpa', mask: PAGE }],
  [F.IO_BITMAP_B, { space: 'hpa', mask: PAGE }],
  [F.MSR_BITMAP, { space: 'hpa', mask: PAGE }],
  [F.VM_EXIT_MSR_STORE_ADDR, { space: 'hpa', mask: ALL }],
  [F.VM_EXIT_MSR_LOAD_ADDR, { space: 'hpa', mask: ALL }],
  [F.VM_ENTRY_MSR_LOAD_ADDR, { space: 'hpa', mask: ALL }],
  [F.VIRTUAL_APIC_PAGE_ADDR, { space: 'hpa', mask: PAGE }],
  [F.APIC_ACCESS_ADDR, { space: 'hpa', mask: PAGE }],
  [F.POSTED_INTR_DESC_ADDR, { space: 'hpa', mask: ALL }],
  [F.EPT_POINTER, { space: 'hpa', mask: PAGE }],
  [F.VMREAD_BITMAP, { space: 'hpa', mask: PAGE }],
  [F.VMWRITE_BITMAP, { space: 'hpa', mask: PAGE }],
  [F.VMCS_LINK_POINTER, { space: 'hpa', mask: PAGE }],
  [F.HOST_CR3, { space: 'hpa', mask: PAGE }],
  [F.GUEST_CR3, { space: 'gpa', mask: PAGE }],
  [F.GUEST_PHYSICAL_ADDRESS, { space: 'gpa', mask: ALL }],
  [F.GUEST_RIP, { space: 'gva', mask: ALL, when: 'non-root' }],
  [F.GUEST_RSP, { space: 'gva', mask: ALL, when: 'non-root' }],
  [F.GUEST_LINEAR_ADDRESS, { space: 'gva', mask: ALL, when: 'non-root' }],
  [F.HOST_RIP, { space: 'gva', mask: ALL, when: 'root' }],
  [F.HOST_RSP, { space: 'gva', mask: ALL, when: 'root' }],
]);

/**
 * The memory reference (`hpa:0x…`, `gpa:0x…`, `gva:0x…`) of an address field's value, or
 * undefined for fields that are not addresses, unset ones (0, or all ones for the link
 * pointer) and virtual addresses whose paging is not the CPU's right now.
 */
export function vmcsFieldMemoryReference(encoding: number, value: bigint, operation: string): string | undefined {
  const where = ADDRESS_FIELDS.get(encoding);
  if (!where || value === 0n || value === ALL) return undefined;
  if (where.when !== undefined && where.when !== operation) return undefined;
  const address = value & where.mask;
  if (where.space !== 'gva' && address >= 1n << 52n) return undefined;
  const signed = where.space === 'gva' ? Number(BigInt.asIntN(64, address)) : Number(address);
  if (where.space === 'gva' && (signed >= 2 ** 47 || signed < -(2 ** 47))) return undefined;
  return formatMemoryReference(where.space, signed);
}
