/**
 * The bare-mode boot layout (documented in the README: programs and tests depend on it).
 * Everything the boot protocol builds lives below 1 MiB; the image is loaded at 1 MiB.
 */

export const BareLayout = {
  gdt: 0x1000,
  tss: 0x2000,
  /** TSS I/O permission bitmap offset (from the TSS base): 8 KiB of ones = every port denied to CPL > IOPL. */
  tssIoBitmapOffset: 0x68,
  tssLimit: 0x68 + 0x2000, // bitmap plus the terminating 0xff byte
  pml4: 0x5000,
  pdpt: 0x6000,
  /** First page directory; one 4 KiB directory per GiB mapped. */
  pageDirectories: 0x7000,
  /** TSS.IST1: a known-good stack for double-fault handlers. */
  ist1Top: 0x6f000,
  /** TSS.RSP0: the ring-0 stack used when an interrupt or exception arrives from ring 3. */
  rsp0Top: 0x7f000,
  /** Initial RSP (grows down, 16-byte aligned). */
  stackTop: 0xff000,
  imageBase: 0x100000,
} as const;

/** Selectors of the boot GDT (SYSCALL/SYSRET-compatible with STAR = 0x0018_0008_0000_0000). */
export const Selector = {
  kernelCode: 0x08,
  kernelData: 0x10,
  userCode32: 0x1b,
  userData: 0x23,
  userCode: 0x2b,
  tss: 0x30,
} as const;

/** Suggested IA32_STAR for the boot GDT: SYSCALL CS=0x08 SS=0x10, SYSRET CS=0x2b SS=0x23. */
export const SUGGESTED_STAR = 0x0018000800000000n;
