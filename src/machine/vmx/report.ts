/**
 * VM-exit reporting for `hyperscope run --json` and `--trace exits` (issue 4): the exit
 * list (capped, with a count of omitted entries), per-reason statistics like
 * `perf kvm stat`, and the typed VM-entry failure.
 */
import { exitReasonName } from './exitReasons';
import { describeQualification } from './exitQualification';
import type { ExitRecord } from './vmExit';
import type { VmxUnit } from './vmxUnit';

export interface VmExitJson {
  readonly reason: number;
  readonly name: string;
  readonly qualification: string;
  readonly guestRip: string;
  readonly guestPhysical: string | null;
  readonly instructionLength: number;
}

export interface VmExitReport {
  readonly vmExits: VmExitJson[];
  readonly omittedVmExits: number;
  readonly exitStats: Record<string, { count: number; percent: number }>;
  readonly vmEntryFailure?: Record<string, unknown>;
}

const hex = (value: number | bigint): string => '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);

export function exitJson(record: ExitRecord): VmExitJson {
  return {
    reason: record.reason,
    name: record.name,
    qualification: hex(record.qualification),
    guestRip: hex(record.guestRip),
    guestPhysical: record.guestPhysical === null ? null : hex(record.guestPhysical),
    instructionLength: record.instructionLength,
  };
}

/** The JSON report; at most `limit` exits are listed. */
export function vmExitReport(unit: VmxUnit, limit = 1000): VmExitReport {
  const listed = unit.exits.slice(0, limit).map(exitJson);
  const total = [...unit.exitCounts.values()].reduce((a, b) => a + b, 0);
  const exitStats: VmExitReport['exitStats'] = {};
  for (const [reason, count] of [...unit.exitCounts].sort((a, b) => b[1] - a[1] || a[0] - b[0])) {
    exitStats[`${reason} ${exitReasonName(reason)}`] = { count, percent: Math.round((count / total) * 10000) / 100 };
  }
  const report: VmExitReport = { vmExits: listed, omittedVmExits: total - listed.length, exitStats };
  return unit.lastEntryFailure ? { ...report, vmEntryFailure: unit.lastEntryFailure.toJSON() } : report;
}

/** One line per exit for `--trace exits`. */
export function formatExit(record: ExitRecord): string {
  const gpa = record.guestPhysical === null ? '' : ` GPA ${hex(record.guestPhysical)}`;
  return `VM exit ${record.reason & 0xffff} ${record.name} at guest RIP ${hex(record.guestRip)}${gpa}: ${describeQualification(record.reason, record.qualification, record.interruptionInfo)}`;
}
