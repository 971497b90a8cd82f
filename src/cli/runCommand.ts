/**
 * `hyperscope run FILE [--mode bare|guest] [--max-instructions N] [--memory MB]
 * [--entry ADDR] [--json]`: runs a program to a stop and reports it.
 */
import { Machine } from '../machine/machine';
import { ImageError } from '../machine/boot/elf';
import { parseArgs, parseInteger, UsageError } from './args';
import { loadProgram, ProgramError, formatDiagnostic } from './loadProgram';
import { buildReport, formatHuman } from './report';
import type { CliIo } from './io';

const DEFAULT_BUDGET = 100_000_000;
const SLICE = 1_000_000;

export function runCommand(args: string[], io: CliIo): number {
  const parsed = parseArgs(args, [
    { name: 'mode', value: true },
    { name: 'max-instructions', value: true },
    { name: 'memory', value: true },
    { name: 'entry', value: true },
    { name: 'json', value: false },
  ]);
  if (parsed.positionals.length !== 1) throw new UsageError('usage: hyperscope run FILE [--mode bare] [--max-instructions N] [--memory MB] [--entry ADDR] [--json]');
  const mode = (parsed.flags.get('mode') as string | undefined) ?? 'bare';
  if (mode !== 'bare' && mode !== 'guest') throw new UsageError(`--mode must be 'bare' or 'guest', got '${mode}'`);
  if (mode === 'guest') throw new UsageError('--mode guest needs the built-in hypervisor, which this build does not include yet; use --mode bare');
  const budgetFlag = parsed.flags.get('max-instructions');
  const budget = typeof budgetFlag === 'string' ? parseInteger(budgetFlag, '--max-instructions') : DEFAULT_BUDGET;
  const memoryFlag = parsed.flags.get('memory');
  const memoryMB = typeof memoryFlag === 'string' ? parseInteger(memoryFlag, '--memory') : 128;
  if (memoryMB < 2 || memoryMB > 16384) throw new UsageError(`--memory must be between 2 and 16384 MiB, got ${memoryMB}`);
  const entryFlag = parsed.flags.get('entry');
  const entry = typeof entryFlag === 'string' ? parseInteger(entryFlag, '--entry') : undefined;
  const json = parsed.flags.has('json');

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

  const machine = new Machine({ memoryMB, onConsoleByte: json ? undefined : (byte) => io.stdoutRaw(String.fromCharCode(byte)) });
  try {
    const loadAddress = program.origin !== undefined && program.origin >= 0x100000 ? program.origin : undefined;
    machine.loadBare(program.bytes, entry, loadAddress);
  } catch (e) {
    if (e instanceof ImageError || e instanceof RangeError) {
      io.stderr(`hyperscope: cannot load ${parsed.positionals[0]}: ${e.message}`);
      return 2;
    }
    throw e;
  }

  let stop = machine.run(Math.min(SLICE, budget));
  while (stop.reason === 'budget' && machine.cpu.instret < budget) {
    stop = machine.run(Math.min(SLICE, budget - machine.cpu.instret));
  }
  const report = buildReport(machine, stop);
  if (json) io.stdout(JSON.stringify(report));
  else {
    if (report.console.length > 0 && !report.console.endsWith('\n')) io.stdoutRaw('\n');
    io.stdout(formatHuman(report));
  }
  return 0;
}
