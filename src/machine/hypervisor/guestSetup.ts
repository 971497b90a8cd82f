/**
 * What the built-in hypervisor builds before the first VM entry: the guest's boot
 * structures inside guest RAM (GDT, TSS, identity page tables — the bare-mode protocol
 * seen from the guest), the EPT mapping guest RAM at `HostLayout.guestRamBase`, the
 * I/O and MSR bitmaps, and every VMCS field (controls, host state, guest state).
 */
import type { Cpu } from '../cpu/cpu';
import { Ar, encodeDescriptor } from '../cpu/segment';
import { Cr0, Cr4, Efer } from '../paging/walker';
import { Defaults } from './defaults';
import { F } from '../vmx/fields';
import { EntryCtl, ExitCtl, Pin, Primary, Secondary } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import { GuestLayout, HostLayout } from './layout';
import type { GuestMmioRegion } from './mmioEmulation';

export interface GuestModeOptions {
  /** Guest RAM in MiB (multiple of 2; default 32). */
  guestMemoryMB?: number;
  /** HLT exiting (default true: a halted guest stops the machine through the hypervisor). */
  hltExiting?: boolean;
  /** CR3-load and CR3-store exiting (default false). */
  cr3Exiting?: boolean;
  /** Ports whose accesses exit (default: every port, forwarded to the machine's devices). */
  ioExitPorts?: 'all' | readonly number[];
  /** MSRs whose RDMSR/WRMSR exit (default none; MSRs outside the bitmap ranges always exit). */
  msrExits?: readonly number[];
  /** Exception bitmap (default 0: exceptions go to the guest's IDT). */
  exceptionBitmap?: number;
  /** VMX-preemption timer value (exits every value·32 instructions); undefined = off. */
  preemptionTimer?: number;
  /** Device register pages at guest-physical addresses, emulated on EPT violations (the Machine fills this from its virtio devices). */
  mmioDevices?: readonly GuestMmioRegion[];
  /** Paravirtual interface: 'kvm' (default: KVM-style VMCALLs, hypercalls.ts) or 'xen' (src/machine/xen). */
  paravirt?: 'kvm' | 'xen';
}

const GIB = 2 ** 30;
const VIRTUAL_APIC_MSRS = [0x1b, 0x6e0, ...Array.from({ length: 0x100 }, (_, i) => 0x800 + i)];
const CODE64 = 0xb | Ar.S | Ar.P | Ar.L | Ar.G;
const DATA = 0x3 | Ar.S | Ar.P | Ar.DB | Ar.G;
const TSS_BUSY = 0xb | Ar.P;
const LONG_EFER = Efer.SCE | Efer.LME | Efer.LMA | Efer.NXE;
const GUEST_CR0 = (Cr0.PE | Cr0.MP | Cr0.ET | Cr0.NE | Cr0.WP | Cr0.PG) >>> 0;

/** Writes the guest's GDT, TSS and identity page tables into guest RAM (GPA → HPA + base). */
export function writeGuestBootStructures(cpu: Cpu): void {
  const base = HostLayout.guestRamBase;
  const w32 = (gpa: number, value: number): void => cpu.mem.write32(base + gpa, value >>> 0);
  const gdt: [number, number][] = [
    [0, 0],
    encodeDescriptor(0, 0xfffff, CODE64),
    encodeDescriptor(0, 0xfffff, DATA),
    encodeDescriptor(0, 0xfffff, 0xb | Ar.S | Ar.P | Ar.DB | Ar.G | (3 << Ar.DPL_SHIFT)),
    encodeDescriptor(0, 0xfffff, DATA | (3 << Ar.DPL_SHIFT)),
    encodeDescriptor(0, 0xfffff, CODE64 | (3 << Ar.DPL_SHIFT)),
    encodeDescriptor(GuestLayout.tss, GuestLayout.tssLimit, TSS_BUSY),
    [0, 0],
  ];
  gdt.forEach(([lo, hi], i) => {
    w32(GuestLayout.gdt + i * 8, lo);
    w32(GuestLayout.gdt + i * 8 + 4, hi);
  });
  w32(GuestLayout.tss + 4, 0x7f000); // RSP0
  w32(GuestLayout.tss + 0x24, 0x6f000); // IST1
  w32(GuestLayout.pml4, GuestLayout.pdpt | 7);
  for (let g = 0; g < GuestLayout.mappedGiB; g++) {
    const pd = GuestLayout.pageDirectories + g * 0x1000;
    w32(GuestLayout.pdpt + g * 8, pd | 7);
    for (let i = 0; i < 512; i++) {
      const address = g * GIB + i * 0x200000;
      w32(pd + i * 8, (address % 2 ** 32) | 0x87);
      w32(pd + i * 8 + 4, Math.floor(address / 2 ** 32));
    }
  }
}

/** EPT mapping guest-physical [0, bytes) to host-physical guestRamBase + GPA with 2 MiB pages (RWX, WB). */
export function writeEpt(cpu: Cpu, bytes: number): bigint {
  const mem = cpu.mem;
  mem.write64(HostLayout.eptPml4, BigInt(HostLayout.eptPdpt | 7));
  const pages = bytes / 0x200000;
  for (let g = 0; g * 512 < pages; g++) {
    const pd = HostLayout.eptPds + g * 0x1000;
    mem.write64(HostLayout.eptPdpt + g * 8, BigInt(pd | 7));
    for (let i = 0; i < 512 && g * 512 + i < pages; i++) {
      mem.write64(pd + i * 8, BigInt(HostLayout.guestRamBase + (g * 512 + i) * 0x200000) | 0xb7n);
    }
  }
  return BigInt(HostLayout.eptPml4) | 0x1en; // WB, 4-level
}

function writeBitmaps(cpu: Cpu, options: GuestModeOptions): void {
  const mem = cpu.mem;
  const ports = options.ioExitPorts ?? 'all';
  mem.ram.fill(ports === 'all' ? 0xff : 0, HostLayout.ioBitmapA, HostLayout.ioBitmapA + 0x2000);
  if (ports !== 'all') {
    for (const port of ports) {
      const address = (port < 0x8000 ? HostLayout.ioBitmapA : HostLayout.ioBitmapB) + ((port & 0x7fff) >>> 3);
      mem.write8(address, mem.read8(address) | (1 << (port & 7)));
    }
  }
  mem.ram.fill(0, HostLayout.msrBitmap, HostLayout.msrBitmap + 0x1000);
  // The guest's APIC is the hypervisor's virtual x2APIC: IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800–0x8ff exit.
  for (const msr of [...(options.msrExits ?? []), ...VIRTUAL_APIC_MSRS]) {
    const offset = msr <= 0x1fff ? 0 : 0x400;
    for (const half of [0, 0x800]) {
      const address = HostLayout.msrBitmap + offset + half + ((msr & 0x1fff) >>> 3);
      mem.write8(address, mem.read8(address) | (1 << (msr & 7)));
    }
  }
}

/** Fills every VMCS field the guest needs (fact sheet §1.2 names). */
export function writeVmcs(cpu: Cpu, vmcs: Vmcs, entry: number, eptp: bigint, options: GuestModeOptions): void {
  writeBitmaps(cpu, options);
  const set = (field: number, value: number | bigint): void => vmcs.set(field, BigInt(value));
  const timer = options.preemptionTimer !== undefined;
  // External-interrupt exiting with acknowledge-on-exit (as KVM): the host's interrupts, e.g. a kick after raiseGuestInterrupt, exit.
  set(F.PIN_BASED_VM_EXEC_CONTROL, Defaults.pin | Pin.externalInterruptExiting | (timer ? Pin.activatePreemptionTimer : 0));
  let primary = Defaults.primary | Primary.useIoBitmaps | Primary.useMsrBitmaps | Primary.activateSecondaryControls;
  if (options.hltExiting ?? true) primary |= Primary.hltExiting;
  if (options.cr3Exiting) primary |= Primary.cr3LoadExiting | Primary.cr3StoreExiting;
  set(F.CPU_BASED_VM_EXEC_CONTROL, primary >>> 0);
  set(F.SECONDARY_VM_EXEC_CONTROL, Secondary.enableEpt | Secondary.enableVpid);
  // Debug controls saved and loaded (as KVM): the guest's DR7 and IA32_DEBUGCTL survive its exits.
  set(F.VM_EXIT_CONTROLS, Defaults.exit | ExitCtl.saveDebugControls | ExitCtl.hostAddressSpaceSize | ExitCtl.saveEfer | ExitCtl.loadEfer | ExitCtl.acknowledgeInterruptOnExit);
  set(F.VM_ENTRY_CONTROLS, Defaults.entry | EntryCtl.loadDebugControls | EntryCtl.ia32eModeGuest | EntryCtl.loadEfer);
  set(F.EXCEPTION_BITMAP, options.exceptionBitmap ?? 0);
  set(F.IO_BITMAP_A, HostLayout.ioBitmapA);
  set(F.IO_BITMAP_B, HostLayout.ioBitmapB);
  set(F.MSR_BITMAP, HostLayout.msrBitmap);
  set(F.EPT_POINTER, eptp);
  set(F.VPID, 1);
  set(F.VMCS_LINK_POINTER, 0xffffffffffffffffn);
  if (timer) set(F.VMX_PREEMPTION_TIMER_VALUE, options.preemptionTimer!);
  // The guest sees CR4.VMXE = 0 through the read shadow.
  set(F.CR4_GUEST_HOST_MASK, Cr4.VMXE);
  set(F.CR4_READ_SHADOW, 0);

  // host state: the bare-mode host the hypervisor booted
  set(F.HOST_CR0, cpu.cr0);
  set(F.HOST_CR3, cpu.cr3);
  set(F.HOST_CR4, cpu.cr4);
  set(F.HOST_IA32_EFER, cpu.efer);
  set(F.HOST_CS_SELECTOR, 0x08);
  for (const f of [F.HOST_SS_SELECTOR, F.HOST_DS_SELECTOR, F.HOST_ES_SELECTOR]) set(f, 0x10);
  set(F.HOST_TR_SELECTOR, 0x30);
  set(F.HOST_TR_BASE, 0x2000);
  set(F.HOST_GDTR_BASE, 0x1000);
  set(F.HOST_RSP, HostLayout.stackTop);
  set(F.HOST_RIP, HostLayout.stub);

  // guest state: 64-bit long mode at CPL 0, the bare-mode protocol
  set(F.GUEST_CR0, GUEST_CR0);
  set(F.GUEST_CR3, GuestLayout.pml4);
  set(F.GUEST_CR4, Cr4.PAE | Cr4.VMXE);
  set(F.GUEST_IA32_EFER, LONG_EFER);
  set(F.GUEST_DR7, 0x400);
  set(F.GUEST_CS_SELECTOR, 0x08);
  set(F.GUEST_CS_LIMIT, 0xffffffff);
  set(F.GUEST_CS_AR, CODE64);
  for (const [sel, limit, ar] of [
    [F.GUEST_SS_SELECTOR, F.GUEST_SS_LIMIT, F.GUEST_SS_AR],
    [F.GUEST_DS_SELECTOR, F.GUEST_DS_LIMIT, F.GUEST_DS_AR],
    [F.GUEST_ES_SELECTOR, F.GUEST_ES_LIMIT, F.GUEST_ES_AR],
  ] as const) {
    set(sel, 0x10);
    set(limit, 0xffffffff);
    set(ar, DATA);
  }
  for (const ar of [F.GUEST_FS_AR, F.GUEST_GS_AR, F.GUEST_LDTR_AR]) set(ar, Ar.UNUSABLE);
  set(F.GUEST_TR_SELECTOR, 0x30);
  set(F.GUEST_TR_BASE, GuestLayout.tss);
  set(F.GUEST_TR_LIMIT, GuestLayout.tssLimit);
  set(F.GUEST_TR_AR, TSS_BUSY);
  set(F.GUEST_GDTR_BASE, GuestLayout.gdt);
  set(F.GUEST_GDTR_LIMIT, 63);
  set(F.GUEST_RFLAGS, 2);
  set(F.GUEST_RSP, GuestLayout.stackTop);
  set(F.GUEST_RIP, entry);
}
