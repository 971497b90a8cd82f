/**
 * `hyperscope run FILE [--mode bare|guest] [--max-instructions N] [--memory MB]
 * [--entry ADDR] [--trace exits] [--json] [device flags, deviceFlags.ts]`: runs a program
 * to a stop and reports it.
 * In guest mode the program runs under the built-in hypervisor and the report adds the
 * VM exits (`vmExits`, `omittedVmExits`, `exitStats`, `vmEntryFailure`).
 */
import { Machine } from '../machine/machine';
import { ImageError } from '../machine/boot/elf';
import { parseArgs, parseInteger, UsageError } from './args';
import { loadProgram, ProgramError, formatDiagnostic } from './loadProgram';
import { buildReport, devicesReport, formatHuman, hypercallsReport } from './report';
import type { CliIo } from './io';
import { formatExit, vmExitReport } from '../machine/vmx/report';
import { DEVICE_FLAGS, DEVICE_USAGE, openDeviceFlags } from './deviceFlags';

const DEFAULT_BUDGET = 100_000_000;
const SLICE = 1_000_000;

export function runCommand(args: string[], io: CliIo): number {
  const parsed = parseArgs(args, [
    { name: 'mode', value: true },
    { name: 'max-instructions', value: true },
    { name: 'memory', value: true },
    { name: 'entry', value: true },
    { name: 'json', value: false },
    { name: 'trace', value: true },
    { name: 'paravirt', value: true },
    ...DEVICE_FLAGS,
  ]);
  if (parsed.positionals.length !== 1) throw new UsageError(`usage: hyperscope run FILE [--mode bare|guest] [--max-instructions N] [--memory MB] [--entry ADDR] [--trace exits] [--paravirt kvm|xen] ${DEVICE_USAGE} [--json]`);
  const mode = (parsed.flags.get('mode') as string | undefined) ?? 'bare';
  if (mode !== 'bare' && mode !== 'guest') throw new UsageError(`--mode must be 'bare' or 'guest', got '${mode}'`);
  const trace = parsed.flags.get('trace');
  if (trace !== undefined && trace !== 'exits') throw new UsageError(`--trace takes 'exits', got '${String(trace)}'`);
  const budgetFlag = parsed.flags.get('max-instructions');
  const budget = typeof budgetFlag === 'string' ? parseInteger(budgetFlag, '--max-instructions') : DEFAULT_BUDGET;
  const memoryFlag = parsed.flags.get('memory');
  const memoryMB = typeof memoryFlag === 'string' ? parseInteger(memoryFlag, '--memory') : 128;
  if (memoryMB < 2 || memoryMB > 16384) throw new UsageError(`--memory must be between 2 and 16384 MiB, got ${memoryMB}`);
  const entryFlag = parsed.flags.get('entry');
  const entry = typeof entryFlag === 'string' ? parseInteger(entryFlag, '--entry') : undefined;
  const json = parsed.flags.has('json');
  const paravirt = parsePersonality(parsed.flags.get('paravirt'), mode);

  let program;
  try {
    program = loadProgram(parsed.positionals[0]!);
  } catch (e) {
    if (e instanceof ProgramError) {
      for (const d of e.diagnostics) io.stderr(formatDiagnostic(d));
      io.stderr(`hyperscope: ${e.message}`);
      return e.diagnostics.length > 0 ? 1 : 2;
    }
    throw e;
  }
  for (const d of program.assembly?.diagnostics ?? []) io.stderr(formatDiagnostic(d));

  const devices = openDeviceFlags(parsed);
  if (devices && 'error' in devices) {
    io.stderr(`hyperscope: ${devices.error}`);
    return 2;
  }
  const machine = new Machine({ memoryMB, onConsoleByte: json ? undefined : (byte) => io.stdoutRaw(String.fromCharCode(byte)), devices });
  try {
    if (mode === 'guest') {
      if (program.origin !== undefined && program.origin !== 0 && program.origin !== 0x100000) {
        throw new ImageError(`guest mode loads flat images at 0x100000, but the program's org is 0x${program.origin.toString(16)}`);
      }
      machine.loadGuest(program.bytes, paravirt ? { paravirt } : {}, entry);
    } else {
      const loadAddress = program.origin !== undefined && program.origin >= 0x100000 ? program.origin : undefined;
      machine.loadBare(program.bytes, entry, loadAddress);
    }
  } catch (e) {
    if (e instanceof ImageError || e instanceof RangeError) {
      io.stderr(`hyperscope: cannot load ${parsed.positionals[0]}: ${e.message}`);
      return 2;
    }
    throw e;
  }

  if (trace === 'exits') {
    const handler = machine.vmx.onExit; // the built-in hypervisor's, in guest mode
    machine.vmx.onExit = (exit) => {
      io.stderr(formatExit(exit));
      handler?.(exit);
    };
  }
  let stop = machine.run(Math.min(SLICE, budget));
  while (stop.reason === 'budget' && machine.cpu.instret < budget) {
    stop = machine.run(Math.min(SLICE, budget - machine.cpu.instret));
  }
  const report = buildReport(machine, stop, mode === 'guest');
  if (mode === 'guest' || machine.vmx.exits.length > 0 || machine.vmx.lastEntryFailure) Object.assign(report, vmExitReport(machine.vmx));
  if (json) {
    report.devices = devicesReport(machine);
    const hypercalls = hypercallsReport(machine);
    if (hypercalls) report.hypercalls = hypercalls;
  }
  if (json) io.stdout(JSON.stringify(report));
  else {
    if (report.console.length > 0 && !report.console.endsWith('\n')) io.stdoutRaw('\n');
    io.stdout(formatHuman(report));
  }
  return 0;
}

/** `--paravirt kvm|xen` (guest mode only). */
function parsePersonality(flag: string | true | undefined, mode: string): 'kvm' | 'xen' | undefined {
  if (flag === undefined) return undefined;
  if (flag !== 'kvm' && flag !== 'xen') throw new UsageError(`--paravirt takes 'kvm' or 'xen', got '${String(flag)}'`);
  if (mode !== 'guest') throw new UsageError('--paravirt applies only to --mode guest');
  return flag;
}
