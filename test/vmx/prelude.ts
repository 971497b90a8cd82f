/**
 * Builds bare-mode test hypervisors in NASM: VMXON, VMCLEAR, VMPTRLD, a valid VMCS
 * (64-bit guest sharing the host's page tables, GDT and TSS), then VMLAUNCH. Tests
 * override fields in `setup` and read results from the VMCS through `machine.vmx`.
 *
 * Layout: VMXON region 0x200000, VMCS 0x201000, I/O bitmaps 0x202000/0x203000, MSR
 * bitmap 0x204000, guest stack top 0x210000, free pages for EPT from 0x220000.
 */
import { F } from '../../src/machine/vmx/fields';
import { VMCS_REVISION_ID } from '../../src/machine/vmx/capabilities';
import { cpuTest, nasm, type CpuTest } from '../machine/cpuRunner';

export const Layout = { vmxon: 0x200000, vmcs: 0x201000, ioBitmapA: 0x202000, ioBitmapB: 0x203000, msrBitmap: 0x204000, guestStack: 0x210000, ept: 0x220000 } as const;

/** `%define NAME 0x...` for every field encoding. */
const FIELD_DEFINES = Object.entries(F)
  .map(([name, encoding]) => `%define ${name} 0x${encoding.toString(16)}`)
  .join('\n');

export const Defaults = {
  pin: 0x16,
  primary: 0x04006172,
  secondary: 0,
  exit: 0x00036dfb | (1 << 9), // + host address-space size
  entry: 0x000011fb | (1 << 9), // + IA-32e mode guest
} as const;

export interface VmxProgram {
  pin?: number;
  primary?: number;
  secondary?: number;
  exit?: number;
  entry?: number;
  /** NASM run after the default VMCS setup, before VMLAUNCH (override fields with VMW). */
  setup?: string;
  /** Guest code (64-bit, CPL 0). */
  guest: string;
  /** Host code after a VM exit (default: hlt). */
  host?: string;
  /** Extra data/code appended at the end. */
  extra?: string;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

export function vmxSource(p: VmxProgram): string {
  return `
${FIELD_DEFINES}
%macro VMW 2
  mov rax, %2
  mov rdx, %1
  vmwrite rdx, rax
%endmacro
start:
  mov rax, cr4
  or rax, 0x2000
  mov cr4, rax
  mov dword [${hex(Layout.vmxon)}], ${hex(VMCS_REVISION_ID)}
  mov dword [${hex(Layout.vmcs)}], ${hex(VMCS_REVISION_ID)}
  vmxon [rel vmxon_ptr]
  vmclear [rel vmcs_ptr]
  vmptrld [rel vmcs_ptr]
  VMW PIN_BASED_VM_EXEC_CONTROL, ${hex(p.pin ?? Defaults.pin)}
  VMW CPU_BASED_VM_EXEC_CONTROL, ${hex(p.primary ?? Defaults.primary)}
  VMW SECONDARY_VM_EXEC_CONTROL, ${hex(p.secondary ?? Defaults.secondary)}
  VMW VM_EXIT_CONTROLS, ${hex(p.exit ?? Defaults.exit)}
  VMW VM_ENTRY_CONTROLS, ${hex(p.entry ?? Defaults.entry)}
  VMW VMCS_LINK_POINTER, -1
  ; host state
  mov rbx, cr0
  VMW HOST_CR0, rbx
  VMW GUEST_CR0, rbx
  mov rbx, cr3
  VMW HOST_CR3, rbx
  VMW GUEST_CR3, rbx
  mov rbx, cr4
  VMW HOST_CR4, rbx
  VMW GUEST_CR4, rbx
  VMW HOST_CS_SELECTOR, 0x08
  VMW HOST_SS_SELECTOR, 0x10
  VMW HOST_DS_SELECTOR, 0x10
  VMW HOST_ES_SELECTOR, 0x10
  VMW HOST_FS_SELECTOR, 0
  VMW HOST_GS_SELECTOR, 0
  VMW HOST_TR_SELECTOR, 0x30
  VMW HOST_TR_BASE, 0x2000
  VMW HOST_GDTR_BASE, 0x1000
  VMW HOST_IDTR_BASE, 0
  VMW HOST_RSP, 0xf0000
  VMW HOST_RIP, host_exit
  ; guest state: 64-bit, CPL 0, flat segments from the boot GDT
  VMW GUEST_CS_SELECTOR, 0x08
  VMW GUEST_CS_LIMIT, 0xffffffff
  VMW GUEST_CS_AR, 0xa09b
  VMW GUEST_CS_BASE, 0
  VMW GUEST_SS_SELECTOR, 0x10
  VMW GUEST_SS_LIMIT, 0xffffffff
  VMW GUEST_SS_AR, 0xc093
  VMW GUEST_DS_SELECTOR, 0x10
  VMW GUEST_DS_LIMIT, 0xffffffff
  VMW GUEST_DS_AR, 0xc093
  VMW GUEST_ES_SELECTOR, 0x10
  VMW GUEST_ES_LIMIT, 0xffffffff
  VMW GUEST_ES_AR, 0xc093
  VMW GUEST_FS_AR, 0x10000
  VMW GUEST_GS_AR, 0x10000
  VMW GUEST_LDTR_AR, 0x10000
  VMW GUEST_TR_SELECTOR, 0x30
  VMW GUEST_TR_BASE, 0x2000
  VMW GUEST_TR_LIMIT, 0x2068
  VMW GUEST_TR_AR, 0x8b
  VMW GUEST_GDTR_BASE, 0x1000
  VMW GUEST_GDTR_LIMIT, 63
  VMW GUEST_IDTR_BASE, 0
  VMW GUEST_IDTR_LIMIT, 0
  VMW GUEST_RFLAGS, 2
  VMW GUEST_RSP, ${hex(Layout.guestStack)}
  VMW GUEST_RIP, guest_entry
  VMW GUEST_DR7, 0x400
${p.setup ?? ''}
  vmlaunch
launch_failed:
  mov r15, 0xfa11
  hlt
host_exit:
${p.host ?? '  hlt'}
guest_entry:
${p.guest}
align 8
vmxon_ptr: dq ${hex(Layout.vmxon)}
vmcs_ptr: dq ${hex(Layout.vmcs)}
${p.extra ?? ''}
`;
}

/**
 * Setup code: EPT at Layout.ept (0x220000) mapping GPA 0–4 GiB to the same host-physical
 * addresses with 2 MiB pages (RWX, WB), except that the entry for GPA 0x400000 is
 * `pde400000` (e.g. 0x4000b1 read-only, 0x4000b0 not present); EPT_POINTER 0x22001e (WB,
 * 4 levels). Clobbers RAX, RCX, RDI; uses the local label .fill.
 */
export function identityEpt(pde400000: number): string {
  return `
  mov qword [0x220000], 0x221007
  mov qword [0x221000], 0x222007
  mov qword [0x221008], 0x223007
  mov qword [0x221010], 0x224007
  mov qword [0x221018], 0x225007
  mov rdi, 0x222000
  mov rax, 0xb7
  mov ecx, 2048
.fill:
  mov [rdi], rax
  add rax, 0x200000
  add rdi, 8
  dec ecx
  jnz .fill
  mov qword [0x222010], ${hex(pde400000)}
  VMW EPT_POINTER, 0x22001e`;
}

/** Assembles and loads a test hypervisor (32 MiB of RAM). */
export function vmxTest(p: VmxProgram): CpuTest {
  return cpuTest(nasm(vmxSource(p)), 32);
}
