/**
 * VM-entry checks on the guest segment registers and descriptor-table registers (SDM
 * 26.3.1.2–26.3.1.3; fact sheet G9–G17). A failure is a VM exit with reason 33 | bit 31.
 */
import { Ar } from '../cpu/segment';
import { Cr0 } from '../paging/walker';
import { F } from './fields';
import { GUEST_SEGMENTS, SEG_LDTR, SEG_TR } from './segmentFields';
import { canonical, type EntryCheck, type EntryContext, type GuestSegment } from './entryCheck';

const SEGS = '26.3.1.2';
const TABLES = '26.3.1.3';
const AR_RESERVED = 0xfffe0f00;
const ES = 0;
const CS = 1;
const SS = 2;
const DS = 3;
const FS = 4;
const GS = 5;


/** Segment fields, decoded once per entry attempt. */
function seg(c: EntryContext, i: number): GuestSegment {
  c.guestSegments ??= GUEST_SEGMENTS.map((_, j) => readSegment(c, j));
  return c.guestSegments[i]!;
}

function readSegment(c: EntryContext, i: number): GuestSegment {
  const f = GUEST_SEGMENTS[i]!;
  const ar = c.vmcs.get32(f.accessRights);
  const selector = c.vmcs.get32(f.selector);
  return { selector, base: c.vmcs.get(f.base), limit: c.vmcs.get32(f.limit), ar, usable: (ar & Ar.UNUSABLE) === 0, type: ar & 0xf, dpl: (ar >>> 5) & 3, rpl: selector & 3 };
}

const v8086 = (c: EntryContext): boolean => c.vmcs.bits(F.GUEST_RFLAGS, 0x20000) !== 0;
const ug = (c: EntryContext): boolean => c.controls.secondary.unrestrictedGuest;
const ia32e = (c: EntryContext): boolean => c.controls.entry.ia32eModeGuest;

/** G = 1 ⇒ limit[11:0] all ones; G = 0 ⇒ limit[31:20] zero. */
function limitConsistent(s: GuestSegment): boolean {
  if ((s.limit & 0xfff) !== 0xfff && s.ar & Ar.G) return false;
  if (s.limit >>> 20 !== 0 && !(s.ar & Ar.G)) return false;
  return true;
}

function names(i: number, ...parts: string[]): string[] {
  const name = GUEST_SEGMENTS[i]!.name;
  return parts.map((p) => `GUEST_${name}_${p}`);
}

/** Checks of one code/data segment register outside virtual-8086 mode (G14, G15). */
function dataSegmentChecks(i: number): EntryCheck[] {
  const name = GUEST_SEGMENTS[i]!.name;
  const usableOnly = (test: (s: GuestSegment, c: EntryContext) => boolean) => (c: EntryContext) => {
    if (v8086(c)) return false;
    const s = seg(c, i);
    return (s.usable || i === CS) && test(s, c);
  };
  const checks: EntryCheck[] = [
    { id: 'G15', fields: names(i, 'AR'), rule: `guest ${name}: S must be 1 (code or data segment)`, sdm: SEGS, violated: usableOnly((s) => (s.ar & Ar.S) === 0) },
    { id: 'G15', fields: names(i, 'AR'), rule: `guest ${name}: P must be 1`, sdm: SEGS, violated: usableOnly((s) => (s.ar & Ar.P) === 0) },
    { id: 'G15', fields: names(i, 'AR'), rule: `guest ${name}: access-rights bits 11:8 and 31:17 are reserved (mask 0xfffe0f00)`, sdm: SEGS, violated: usableOnly((s) => (s.ar & AR_RESERVED) !== 0) },
    { id: 'G15', fields: names(i, 'LIMIT', 'AR'), rule: `guest ${name}: limit and G are inconsistent (G = 1 needs limit[11:0] = 0xfff; G = 0 needs limit[31:20] = 0)`, sdm: SEGS, violated: usableOnly((s) => !limitConsistent(s)) },
  ];
  if (i !== CS && i !== SS) {
    checks.push(
      { id: 'G14', fields: names(i, 'AR'), rule: `guest ${name}: type must be accessed (bit 0 = 1) and, for a code segment, readable`, sdm: SEGS, violated: usableOnly((s) => (s.type & 1) === 0 || ((s.type & 8) !== 0 && (s.type & 2) === 0)) },
      {
        id: 'G14',
        fields: names(i, 'SELECTOR', 'AR'),
        rule: `guest ${name}: without unrestricted guest, DPL must be ≥ RPL for data and non-conforming code segments`,
        sdm: SEGS,
        violated: usableOnly((s, c) => !ug(c) && s.type <= 11 && s.dpl < s.rpl),
      },
    );
  }
  return checks;
}

/** Virtual-8086 guest: base = selector · 16, limit 0xffff, AR 0xf3 for CS, SS, DS, ES, FS, GS (G9). */
const V8086_CHECKS: EntryCheck[] = [ES, CS, SS, DS, FS, GS].map((i) => ({
  id: 'G9',
  fields: names(i, 'SELECTOR', 'BASE', 'LIMIT', 'AR'),
  rule: `virtual-8086 guest: ${GUEST_SEGMENTS[i]!.name} base must be selector · 16, limit 0xffff and access rights 0xf3`,
  sdm: SEGS,
  violated: (c: EntryContext) => {
    if (!v8086(c)) return false;
    const s = seg(c, i);
    return s.base !== BigInt(s.selector) * 16n || s.limit !== 0xffff || s.ar !== 0xf3;
  },
}));

export const SEGMENT_CHECKS: readonly EntryCheck[] = [
  ...V8086_CHECKS,
  {
    id: 'G10',
    fields: ['GUEST_TR_SELECTOR'],
    rule: 'guest TR selector: TI must be 0',
    sdm: SEGS,
    violated: (c) => (seg(c, SEG_TR).selector & 4) !== 0,
  },
  {
    id: 'G11',
    fields: ['GUEST_LDTR_SELECTOR', 'GUEST_LDTR_AR'],
    rule: 'guest LDTR selector: TI must be 0 when LDTR is usable',
    sdm: SEGS,
    violated: (c) => seg(c, SEG_LDTR).usable && (seg(c, SEG_LDTR).selector & 4) !== 0,
  },
  {
    id: 'G13',
    fields: ['GUEST_SS_SELECTOR', 'GUEST_CS_SELECTOR'],
    rule: 'without unrestricted guest, SS.RPL must equal CS.RPL',
    sdm: SEGS,
    violated: (c) => !v8086(c) && !ug(c) && seg(c, SS).rpl !== seg(c, CS).rpl,
  },
  {
    id: 'G12',
    fields: ['GUEST_CS_AR'],
    rule: 'guest CS type must be an accessed code segment (9, 11, 13, 15), or 3 (with DPL 0) under unrestricted guest',
    sdm: SEGS,
    violated: (c) => {
      if (v8086(c)) return false;
      const cs = seg(c, CS);
      return !([9, 11, 13, 15].includes(cs.type) || (cs.type === 3 && ug(c)));
    },
  },
  {
    id: 'G13',
    fields: ['GUEST_SS_AR'],
    rule: 'guest SS type must be 3 or 7 (read/write data) when SS is usable',
    sdm: SEGS,
    violated: (c) => !v8086(c) && seg(c, SS).usable && seg(c, SS).type !== 3 && seg(c, SS).type !== 7,
  },
  ...[CS, SS, DS, ES, FS, GS].flatMap(dataSegmentChecks),
  {
    id: 'G12',
    fields: ['GUEST_CS_AR', 'GUEST_SS_AR'],
    rule: 'guest CS.DPL: 0 for type 3; equal to SS.DPL for non-conforming code (9, 11); at most SS.DPL for conforming code (13, 15)',
    sdm: SEGS,
    violated: (c) => {
      if (v8086(c)) return false;
      const cs = seg(c, CS);
      const ss = seg(c, SS);
      if (cs.type === 3) return cs.dpl !== 0;
      if (cs.type === 9 || cs.type === 11) return cs.dpl !== ss.dpl;
      return cs.dpl > ss.dpl;
    },
  },
  {
    id: 'G13',
    fields: ['GUEST_SS_SELECTOR', 'GUEST_SS_AR', 'GUEST_CS_AR', 'GUEST_CR0'],
    rule: 'guest SS.DPL must equal SS.RPL without unrestricted guest, and must be 0 when CS type is 3 or CR0.PE = 0',
    sdm: SEGS,
    violated: (c) => {
      if (v8086(c)) return false;
      const ss = seg(c, SS);
      if (!ug(c) && ss.dpl !== ss.rpl) return true;
      return (seg(c, CS).type === 3 || (c.vmcs.get32(F.GUEST_CR0) & Cr0.PE) === 0) && ss.dpl !== 0;
    },
  },
  {
    id: 'G12',
    fields: ['GUEST_CS_AR', 'VM_ENTRY_CONTROLS'],
    rule: 'IA-32e mode guest: CS.L and CS.D/B must not both be 1',
    sdm: SEGS,
    violated: (c) => ia32e(c) && (seg(c, CS).ar & Ar.L) !== 0 && (seg(c, CS).ar & Ar.DB) !== 0,
  },
  {
    id: 'G10',
    fields: ['GUEST_TR_AR', 'VM_ENTRY_CONTROLS'],
    rule: 'guest TR type must be 11 (busy 32/64-bit TSS), or 3 (busy 16-bit TSS) outside IA-32e mode',
    sdm: SEGS,
    violated: (c) => {
      const t = seg(c, SEG_TR).type;
      return !(t === 11 || (t === 3 && !ia32e(c)));
    },
  },
  {
    id: 'G10',
    fields: ['GUEST_TR_AR', 'GUEST_TR_LIMIT'],
    rule: 'guest TR must be usable with S = 0, P = 1, reserved access-rights bits clear and limit consistent with G',
    sdm: SEGS,
    violated: (c) => {
      const tr = seg(c, SEG_TR);
      return !tr.usable || (tr.ar & Ar.S) !== 0 || (tr.ar & Ar.P) === 0 || (tr.ar & AR_RESERVED) !== 0 || !limitConsistent(tr);
    },
  },
  {
    id: 'G11',
    fields: ['GUEST_LDTR_AR', 'GUEST_LDTR_LIMIT'],
    rule: 'usable guest LDTR must have type 2, S = 0, P = 1, reserved access-rights bits clear and limit consistent with G',
    sdm: SEGS,
    violated: (c) => {
      const l = seg(c, SEG_LDTR);
      return l.usable && (l.type !== 2 || (l.ar & Ar.S) !== 0 || (l.ar & Ar.P) === 0 || (l.ar & AR_RESERVED) !== 0 || !limitConsistent(l));
    },
  },
  {
    id: 'G16',
    fields: ['GUEST_TR_BASE', 'GUEST_FS_BASE', 'GUEST_GS_BASE', 'GUEST_LDTR_BASE'],
    rule: 'guest TR, FS, GS (and usable LDTR) bases must be canonical',
    sdm: SEGS,
    violated: (c) => [SEG_TR, FS, GS].some((i) => !canonical(seg(c, i).base)) || (seg(c, SEG_LDTR).usable && !canonical(seg(c, SEG_LDTR).base)),
  },
  {
    id: 'G16',
    fields: ['GUEST_CS_BASE', 'GUEST_SS_BASE', 'GUEST_DS_BASE', 'GUEST_ES_BASE'],
    rule: 'guest CS base (and usable SS, DS, ES bases) must have bits 63:32 = 0',
    sdm: SEGS,
    violated: (c) => seg(c, CS).base >> 32n !== 0n || [SS, DS, ES].some((i) => seg(c, i).usable && seg(c, i).base >> 32n !== 0n),
  },
  {
    id: 'G16',
    fields: ['GUEST_GDTR_BASE', 'GUEST_IDTR_BASE'],
    rule: 'guest GDTR and IDTR bases must be canonical',
    sdm: TABLES,
    violated: (c) => !canonical(c.vmcs.get(F.GUEST_GDTR_BASE)) || !canonical(c.vmcs.get(F.GUEST_IDTR_BASE)),
  },
  {
    id: 'G17',
    fields: ['GUEST_GDTR_LIMIT', 'GUEST_IDTR_LIMIT'],
    rule: 'guest GDTR and IDTR limits must not exceed 0xffff',
    sdm: TABLES,
    violated: (c) => c.vmcs.get32(F.GUEST_GDTR_LIMIT) > 0xffff || c.vmcs.get32(F.GUEST_IDTR_LIMIT) > 0xffff,
  },
];
