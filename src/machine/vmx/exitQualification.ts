/**
 * Human-readable exit qualifications for the debugger, `--trace exits` and hover text
 * (fact sheet §4): one decoder per exit reason whose qualification has a format.
 */
import { GPR_NAMES } from '../cpu/registers';
import { vectorNames } from '../cpu/fault';
import { ExitReason } from './exitReasons';

const hex = (value: bigint | number): string => '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);
const gpr = (n: number): string => GPR_NAMES[n & 0xf]!;

function crAccess(q: number): string {
  const cr = q & 0xf;
  switch ((q >>> 4) & 3) {
    case 0:
      return `MOV to CR${cr} from ${gpr(q >>> 8)}`;
    case 1:
      return `MOV from CR${cr} to ${gpr(q >>> 8)}`;
    case 2:
      return 'CLTS';
    default:
      return `LMSW ${hex(q >>> 16)} (${q & 0x40 ? 'memory' : 'register'} operand)`;
  }
}

function movDr(q: number): string {
  return q & 0x10 ? `MOV from DR${q & 7} to ${gpr(q >>> 8)}` : `MOV to DR${q & 7} from ${gpr(q >>> 8)}`;
}

function io(q: number): string {
  const size = (q & 7) + 1;
  const dir = q & 8 ? 'IN' : 'OUT';
  const prep = q & 8 ? 'from' : 'to';
  const extras = [q & 0x10 ? 'string' : '', q & 0x20 ? 'REP' : '', q & 0x40 ? 'immediate port' : 'port in DX'].filter(Boolean).join(', ');
  return `${dir}${q & 0x10 ? 'S' : ''} ${size} byte${size > 1 ? 's' : ''} ${prep} port ${hex(q >>> 16)} (${extras})`;
}

function eptViolation(q: number): string {
  const access = [q & 1 ? 'read' : '', q & 2 ? 'write' : '', q & 4 ? 'instruction fetch' : ''].filter(Boolean).join('+') || 'no access bits';
  const allowed = [q & 8 ? 'R' : '', q & 16 ? 'W' : '', q & 32 ? 'X' : ''].filter(Boolean).join('') || 'not present';
  let where = 'guest-linear address not valid';
  if (q & 0x80) where = q & 0x100 ? 'access to the final translated address' : 'access to a guest paging-structure entry';
  return `${access}; EPT allowed ${allowed}; ${where}`;
}

type Decoder = (q: number, full: bigint) => string;

const displacement: Decoder = (_, full) => `memory-operand displacement ${hex(full)}`;

const DECODERS: Record<number, Decoder> = {
  [ExitReason.CrAccess]: crAccess,
  [ExitReason.MovDr]: movDr,
  [ExitReason.IoInstruction]: io,
  [ExitReason.EptViolation]: eptViolation,
  [ExitReason.Invlpg]: (_, full) => `linear address ${hex(full)}`,
  [ExitReason.InvalidGuestState]: (q) => ({ 0: 'invalid guest state', 2: 'PDPTE load failed', 3: 'NMI injection blocked', 4: 'invalid VMCS link pointer' })[q] ?? `code ${q}`,
  [ExitReason.MsrLoading]: (q) => `VM-entry MSR-load entry ${q} failed`,
  [ExitReason.GdtrIdtrAccess]: displacement,
  [ExitReason.LdtrTrAccess]: displacement,
  [ExitReason.Vmclear]: displacement,
  [ExitReason.Vmptrld]: displacement,
  [ExitReason.Vmptrst]: displacement,
  [ExitReason.Vmread]: displacement,
  [ExitReason.Vmwrite]: displacement,
  [ExitReason.Vmxon]: displacement,
  [ExitReason.Invept]: displacement,
  [ExitReason.Invvpid]: displacement,
};

/** The qualification of an exit with basic reason `reason` in words (hex when it has no format). */
export function describeQualification(reason: number, qualification: bigint, interruptionInfo?: number): string {
  const basic = reason & 0xffff;
  if (basic === ExitReason.ExceptionOrNmi && interruptionInfo !== undefined) {
    const vector = interruptionInfo & 0xff;
    const name = vectorNames[vector] ?? `vector ${vector}`;
    return vector === 14 ? `${name}, faulting linear address ${hex(qualification)}` : name;
  }
  const decode = DECODERS[basic];
  return decode ? decode(Number(qualification & 0xffffffffn), qualification) : hex(qualification);
}
