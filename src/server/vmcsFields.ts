// VMCS field encodings and exit reasons for hover: the encoding's bit layout
// (x86-virtualization-facts.md §1.1), field meanings (§1.2) and exit-reason names (§3.1).

export interface DecodedEncoding {
  width: '16-bit' | '64-bit' | '32-bit' | 'natural-width';
  type: 'control' | 'read-only (VM-exit information)' | 'guest state' | 'host state';
  index: number;
  /** Bit 0: access to the high 32 bits of a 64-bit field. */
  high: boolean;
}

const widths = ['16-bit', '64-bit', '32-bit', 'natural-width'] as const;
const types = ['control', 'read-only (VM-exit information)', 'guest state', 'host state'] as const;

/** Splits a field encoding into width (14:13), type (11:10), index (9:1) and access type (0); undefined if reserved bits are set. */
export function decodeFieldEncoding(encoding: number): DecodedEncoding | undefined {
  if (!Number.isInteger(encoding) || encoding < 0 || (encoding & 0xffff9000) !== 0) return undefined;
  const width = widths[(encoding >> 13) & 3];
  const type = types[(encoding >> 10) & 3];
  if (width === undefined || type === undefined) return undefined;
  return { width, type, index: (encoding >> 1) & 0x1ff, high: (encoding & 1) === 1 };
}

const fieldMeanings: Record<number, string> = {
  0x0000: 'virtual-processor identifier (VPID) tagging this guest\'s TLB entries', 0x0002: 'posted-interrupt notification vector', 0x0004: 'EPTP index',
  0x0800: 'guest ES selector', 0x0802: 'guest CS selector', 0x0804: 'guest SS selector', 0x0806: 'guest DS selector', 0x0808: 'guest FS selector', 0x080a: 'guest GS selector', 0x080c: 'guest LDTR selector', 0x080e: 'guest TR selector', 0x0810: 'guest interrupt status (RVI/SVI)', 0x0812: 'PML index',
  0x0c00: 'host ES selector', 0x0c02: 'host CS selector', 0x0c04: 'host SS selector', 0x0c06: 'host DS selector', 0x0c08: 'host FS selector', 0x0c0a: 'host GS selector', 0x0c0c: 'host TR selector',
  0x2000: 'I/O bitmap A address (ports 0x0000-0x7FFF)', 0x2002: 'I/O bitmap B address (ports 0x8000-0xFFFF)', 0x2004: 'MSR bitmap address', 0x2006: 'VM-exit MSR-store address', 0x2008: 'VM-exit MSR-load address', 0x200a: 'VM-entry MSR-load address', 0x200c: 'executive-VMCS pointer', 0x200e: 'PML address', 0x2010: 'TSC offset', 0x2012: 'virtual-APIC page address', 0x2014: 'APIC-access address', 0x2016: 'posted-interrupt descriptor address', 0x2018: 'VM-function controls', 0x201a: 'EPT pointer (EPTP): PML4 address, memory type, walk length - 1, A/D enable', 0x201c: 'EOI-exit bitmap 0', 0x201e: 'EOI-exit bitmap 1', 0x2020: 'EOI-exit bitmap 2', 0x2022: 'EOI-exit bitmap 3', 0x2024: 'EPTP-list address', 0x2026: 'VMREAD bitmap address', 0x2028: 'VMWRITE bitmap address', 0x202a: '#VE information address', 0x202c: 'XSS-exiting bitmap', 0x2032: 'TSC multiplier', 0x2034: 'tertiary processor-based controls',
  0x2400: 'guest-physical address of an EPT violation or misconfiguration', 0x2800: 'VMCS link pointer (must be all ones without shadowing)', 0x2802: 'guest IA32_DEBUGCTL', 0x2804: 'guest IA32_PAT', 0x2806: 'guest IA32_EFER', 0x2808: 'guest IA32_PERF_GLOBAL_CTRL', 0x280a: 'guest PDPTE0', 0x280c: 'guest PDPTE1', 0x280e: 'guest PDPTE2', 0x2810: 'guest PDPTE3', 0x2c00: 'host IA32_PAT', 0x2c02: 'host IA32_EFER', 0x2c04: 'host IA32_PERF_GLOBAL_CTRL',
  0x4000: 'pin-based VM-execution controls', 0x4002: 'primary processor-based VM-execution controls', 0x4004: 'exception bitmap (bit n: exit on vector n)', 0x4006: 'page-fault error-code mask', 0x4008: 'page-fault error-code match', 0x400a: 'CR3-target count', 0x400c: 'VM-exit controls', 0x400e: 'VM-exit MSR-store count', 0x4010: 'VM-exit MSR-load count', 0x4012: 'VM-entry controls', 0x4014: 'VM-entry MSR-load count', 0x4016: 'VM-entry interruption information (event to inject)', 0x4018: 'VM-entry exception error code', 0x401a: 'VM-entry instruction length', 0x401c: 'TPR threshold', 0x401e: 'secondary processor-based VM-execution controls', 0x4020: 'PLE gap', 0x4022: 'PLE window', 0x4024: 'notify window',
  0x4400: 'VM-instruction error number', 0x4402: 'exit reason (bits 15:0 basic reason, bit 31 VM-entry failure)', 0x4404: 'VM-exit interruption information', 0x4406: 'VM-exit interruption error code', 0x4408: 'IDT-vectoring information', 0x440a: 'IDT-vectoring error code', 0x440c: 'VM-exit instruction length', 0x440e: 'VM-exit instruction information',
  0x4800: 'guest ES limit', 0x4802: 'guest CS limit', 0x4804: 'guest SS limit', 0x4806: 'guest DS limit', 0x4808: 'guest FS limit', 0x480a: 'guest GS limit', 0x480c: 'guest LDTR limit', 0x480e: 'guest TR limit', 0x4810: 'guest GDTR limit', 0x4812: 'guest IDTR limit',
  0x4814: 'guest ES access rights', 0x4816: 'guest CS access rights', 0x4818: 'guest SS access rights', 0x481a: 'guest DS access rights', 0x481c: 'guest FS access rights', 0x481e: 'guest GS access rights', 0x4820: 'guest LDTR access rights', 0x4822: 'guest TR access rights',
  0x4824: 'guest interruptibility state (blocking by STI, MOV SS, SMI, NMI)', 0x4826: 'guest activity state (0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI)', 0x4828: 'guest SMBASE', 0x482a: 'guest IA32_SYSENTER_CS', 0x482e: 'VMX-preemption timer value', 0x4c00: 'host IA32_SYSENTER_CS',
  0x6000: 'CR0 guest/host mask (1 = bit owned by the host)', 0x6002: 'CR4 guest/host mask (1 = bit owned by the host)', 0x6004: 'CR0 read shadow', 0x6006: 'CR4 read shadow', 0x6008: 'CR3-target value 0', 0x600a: 'CR3-target value 1', 0x600c: 'CR3-target value 2', 0x600e: 'CR3-target value 3',
  0x6400: 'exit qualification', 0x6402: 'I/O RCX', 0x6404: 'I/O RSI', 0x6406: 'I/O RDI', 0x6408: 'I/O RIP', 0x640a: 'guest-linear address',
  0x6800: 'guest CR0', 0x6802: 'guest CR3', 0x6804: 'guest CR4', 0x6806: 'guest ES base', 0x6808: 'guest CS base', 0x680a: 'guest SS base', 0x680c: 'guest DS base', 0x680e: 'guest FS base', 0x6810: 'guest GS base', 0x6812: 'guest LDTR base', 0x6814: 'guest TR base', 0x6816: 'guest GDTR base', 0x6818: 'guest IDTR base', 0x681a: 'guest DR7', 0x681c: 'guest RSP', 0x681e: 'guest RIP', 0x6820: 'guest RFLAGS', 0x6822: 'guest pending debug exceptions', 0x6824: 'guest IA32_SYSENTER_ESP', 0x6826: 'guest IA32_SYSENTER_EIP',
  0x6c00: 'host CR0', 0x6c02: 'host CR3', 0x6c04: 'host CR4', 0x6c06: 'host FS base', 0x6c08: 'host GS base', 0x6c0a: 'host TR base', 0x6c0c: 'host GDTR base', 0x6c0e: 'host IDTR base', 0x6c10: 'host IA32_SYSENTER_ESP', 0x6c12: 'host IA32_SYSENTER_EIP', 0x6c14: 'host RSP (loaded on every VM exit)', 0x6c16: 'host RIP (where every VM exit lands)',
};

/** Meaning of a VMCS field by encoding (the high-dword encoding of a 64-bit field maps to its field). */
export function fieldMeaning(encoding: number): string | undefined {
  const full = fieldMeanings[encoding];
  if (full !== undefined) return full;
  const decoded = decodeFieldEncoding(encoding);
  const low = decoded?.high && decoded.width === '64-bit' ? fieldMeanings[encoding - 1] : undefined;
  return low === undefined ? undefined : `${low} (high 32 bits)`;
}

export const exitReasonNames: Readonly<Record<number, string>> = {
  0: 'exception or NMI', 1: 'external interrupt', 2: 'triple fault', 3: 'INIT signal', 4: 'start-up IPI (SIPI)', 5: 'I/O SMI', 6: 'other SMI', 7: 'interrupt window', 8: 'NMI window', 9: 'task switch',
  10: 'CPUID', 11: 'GETSEC', 12: 'HLT', 13: 'INVD', 14: 'INVLPG', 15: 'RDPMC', 16: 'RDTSC', 17: 'RSM', 18: 'VMCALL', 19: 'VMCLEAR', 20: 'VMLAUNCH', 21: 'VMPTRLD', 22: 'VMPTRST', 23: 'VMREAD', 24: 'VMRESUME', 25: 'VMWRITE', 26: 'VMXOFF', 27: 'VMXON',
  28: 'control-register access', 29: 'MOV DR', 30: 'I/O instruction', 31: 'RDMSR', 32: 'WRMSR', 33: 'VM-entry failure: invalid guest state', 34: 'VM-entry failure: MSR loading', 36: 'MWAIT', 37: 'monitor trap flag', 39: 'MONITOR', 40: 'PAUSE',
  41: 'VM-entry failure: machine-check event', 43: 'TPR below threshold', 44: 'APIC access', 45: 'virtualized EOI', 46: 'access to GDTR or IDTR', 47: 'access to LDTR or TR', 48: 'EPT violation', 49: 'EPT misconfiguration', 50: 'INVEPT', 51: 'RDTSCP',
  52: 'VMX-preemption timer expired', 53: 'INVVPID', 54: 'WBINVD', 55: 'XSETBV', 56: 'APIC write', 57: 'RDRAND', 58: 'INVPCID', 59: 'VMFUNC', 60: 'ENCLS', 61: 'RDSEED', 62: 'page-modification-log full', 63: 'XSAVES', 64: 'XRSTORS',
};
