// Debug-console commands (`help`, `translate`, `tlb`, `regs`, `vmcs`, `exits`) and their completions. Each
// command is a row of the table: name, usage, summary, and a function from its argument
// text to the lines it prints. Anything that is not a command is an expression.
import type { Machine } from '../machine/machine';
import { GPR_NAMES } from '../machine/cpu/registers';
import { TlbPerm } from '../machine/paging/tlb';
import type { WalkStep } from '../machine/paging/types';
import type { DebugMemory } from './memory';
import { evaluateExpression, type EvalContext } from './expression';
import { hex64, hexPadded } from './format';
import { registerNames } from './registers';
import { bigIntToLinear } from '../machine/cpu/state';
import { exitsCommand, vmcsCommand, vmcsFieldNames } from './vmxCommands';
import { eptCommand } from './eptCommand';
import { balloonCommand, inputCommand, virtioCommand } from './virtioCommands';
import { hypercallsCommand, iommuCommand } from './devicesCommands';

export interface CommandContext {
  readonly machine: Machine;
  readonly memory: DebugMemory;
  readonly evalContext: EvalContext;
}

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(args: string, ctx: CommandContext): string;
}

const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4'];
const PAGE_SIZES: Record<number, string> = { 4096: '4 KiB', 2097152: '2 MiB', 1073741824: '1 GiB' };

function describeStep(step: WalkStep): string {
  const what = `${step.table === 'ept' ? 'EPT ' : ''}${LEVEL_NAMES[step.level] ?? `L${step.level}`}[${step.index}]`;
  const outcome = step.outcome === 'leaf' ? `→ ${PAGE_SIZES[step.pageSize ?? 0] ?? `${step.pageSize}-byte`} page` : step.outcome === 'next' ? '→ next table' : `✗ ${step.outcome}`;
  return `  ${what.padEnd(12)} @ ${hex64(step.entryAddress).padEnd(12)} = ${hexPadded(step.value, 16)}  ${step.flags.join(' ').padEnd(24)} ${outcome}`;
}

/** `translate gpa:<address>`: the EPT walk of a guest-physical address. */
function translateGuestPhysical(args: string, ctx: CommandContext): string {
  const value = evaluateExpression(args, ctx.evalContext);
  const { steps, physical } = ctx.memory.eptTrace(Number(value));
  const lines = [`translate gpa ${hex64(value)}`];
  if (!ctx.machine.cpu.guestPhysical) lines.push('  no EPT is active here (not in VMX non-root operation): gpa = hpa');
  for (const step of steps) lines.push(describeStep(step));
  lines.push(physical === undefined ? '  fault: EPT violation or misconfiguration (an access would exit)' : `  gpa ${hex64(value)} → hpa ${hex64(physical)}`);
  return lines.join('\n');
}

/** `translate <gva>` (or `translate gpa:<address>`): the walk printed step by step, without side effects. */
function translate(args: string, ctx: CommandContext): string {
  if (args.trim() === '') throw new Error('usage: translate <gva> | translate gpa:<address>   (an address or expression, e.g. translate rip)');
  const gpa = /^\s*gpa:(.*)$/i.exec(args);
  if (gpa) return translateGuestPhysical(gpa[1]!, ctx);
  const value = evaluateExpression(args, ctx.evalContext);
  const linear = bigIntToLinear(value);
  if (linear === undefined) return `${hex64(value)} is not a canonical address: any access to it raises #GP`;
  const trace = ctx.memory.walkTrace(linear);
  const lines = [`translate ${hex64(value)} (supervisor read${trace.tlbHit === undefined ? '' : trace.tlbHit ? ', TLB hit' : ', not in the TLB'})`];
  if (!ctx.machine.cpu.pagingEnabled) lines.push('  paging is off (CR0.PG = 0): linear = physical');
  for (const step of trace.steps) lines.push(describeStep(step));
  if (trace.fault !== undefined) lines.push(`  fault: ${trace.fault} (an access would raise #PF)`);
  else if (trace.physical !== undefined) lines.push(`  gva ${hex64(value)} → gpa ${hex64(trace.guestPhysical ?? trace.physical)} → hpa ${hex64(trace.physical)}`);
  return lines.join('\n');
}

function permissions(perm: number): string {
  const s = (perm & TlbPerm.SupervisorRead ? 'r' : '-') + (perm & TlbPerm.SupervisorWrite ? 'w' : '-') + (perm & TlbPerm.SupervisorExec ? 'x' : '-');
  const u = (perm & TlbPerm.UserRead ? 'r' : '-') + (perm & TlbPerm.UserWrite ? 'w' : '-') + (perm & TlbPerm.UserExec ? 'x' : '-');
  return `S:${s} U:${u}${perm & TlbPerm.Dirty ? ' D' : ''}`;
}

/** `tlb`: the valid TLB entries. */
function tlb(_args: string, ctx: CommandContext): string {
  const table = ctx.machine.cpu.tlb;
  const entries = table.entries().sort((a, b) => a.page - b.page);
  const lines = [`TLB: ${entries.length} valid entr${entries.length === 1 ? 'y' : 'ies'} of 2048 (hits ${table.hits}, misses ${table.misses})`];
  for (const e of entries.slice(0, 256)) {
    lines.push(`  ${hexPadded(BigInt.asUintN(64, BigInt(e.page * 4096)), 16)} → ${hexPadded(e.physical, 12)}  ${permissions(e.perm)}${e.global ? ' G' : ''}  ctx ${e.context}`);
  }
  if (entries.length > 256) lines.push(`  ... ${entries.length - 256} more`);
  return lines.join('\n');
}

/** `regs`: general-purpose registers, RIP and RFLAGS in columns. */
function regs(_args: string, ctx: CommandContext): string {
  const cpu = ctx.machine.cpu;
  const cells = GPR_NAMES.map((name, i) => `${name.padStart(3)} ${hexPadded(cpu.getGpr(i), 16)}`);
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 4) lines.push(cells.slice(i, i + 4).join('  '));
  lines.push(`rip ${hexPadded(BigInt.asUintN(64, BigInt(cpu.rip)), 16)}  rflags ${hexPadded(cpu.rflags >>> 0, 8)}  cpl ${cpu.cpl}  instret ${cpu.instret}`);
  return lines.join('\n');
}

const COMMANDS: Command[] = [
  { name: 'help', usage: 'help', summary: 'this list', run: () => helpText() },
  { name: 'translate', usage: 'translate <gva>', summary: 'walk the page tables (and EPT) for an address, step by step (no side effects); translate gpa:<address> walks EPT only', run: translate },
  { name: 'walk', usage: 'walk <gva>', summary: 'same as translate', run: translate },
  { name: 'tlb', usage: 'tlb', summary: 'valid TLB entries with permissions', run: tlb },
  { name: 'regs', usage: 'regs', summary: 'general-purpose registers, rip and rflags', run: regs },
  { name: 'vmcs', usage: 'vmcs [field]', summary: 'the current VMCS by group (nonzero fields), or the fields matching a name or encoding', run: (args, ctx) => vmcsCommand(args, ctx.machine) },
  { name: 'ept', usage: 'ept', summary: 'the current EPT: EPTP decoded and its mappings as guest-physical → host-physical ranges', run: (args, ctx) => eptCommand(args, ctx.machine) },
  { name: 'exits', usage: 'exits', summary: 'VM exits per reason (like perf kvm stat), the last exit and entry failure', run: (args, ctx) => exitsCommand(args, ctx.machine) },
  { name: 'input', usage: 'input <text>', summary: 'send bytes to the guest console: the virtio console if there is one, else the serial port (escapes \\n \\t \\xNN)', run: (args, ctx) => inputCommand(args, ctx.machine) },
  { name: 'balloon', usage: 'balloon [pages]', summary: "the virtio balloon's target (num_pages) and what the driver gave back; with a count, set the target", run: (args, ctx) => balloonCommand(args, ctx.machine) },
  { name: 'virtio', usage: 'virtio', summary: 'virtio-mmio devices: status, features, queues and counters', run: (args, ctx) => virtioCommand(args, ctx.machine) },
  { name: 'iommu', usage: 'iommu [<requester> <address> [write]]', summary: 'the VT-d IOMMU: translation state, domains, faults, IOTLB; with a requester id and address, its table walk', run: (args, ctx) => iommuCommand(args, ctx.machine) },
  { name: 'hypercalls', usage: 'hypercalls [count]', summary: 'hypercall counts and the latest calls (guest mode)', run: (args, ctx) => hypercallsCommand(args, ctx.machine) },
];

function helpText(): string {
  const lines = ['Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.usage.padEnd(18)} ${c.summary}`);
  lines.push('Expressions: registers (rax, eax, al, rip, rflags, cf, cr3...), labels, numbers (0x10, 10, 0b1), + - * / % & | ^ ~ << >>,');
  lines.push('  comparisons (== != < <= > >=, unsigned), && || !, memory: [rsp], qword [rbx+8], byte [0x100000]');
  return lines.join('\n');
}

/** The command named by the first word of `text`, with its arguments; undefined when `text` is an expression. */
export function findCommand(text: string): { command: Command; args: string } | undefined {
  const match = /^\s*([a-z]+)\b(.*)$/is.exec(text);
  if (!match) return undefined;
  const command = COMMANDS.find((c) => c.name === match[1]!.toLowerCase());
  if (!command) return undefined;
  // a register or symbol that happens to share the name is still an expression when followed by an operator
  if (/^\s*[-+*/%&|^<>=!]/.test(match[2]!)) return undefined;
  return { command, args: match[2]!.trim() };
}

export function runCommand(text: string, ctx: CommandContext): string | undefined {
  const found = findCommand(text);
  return found ? found.command.run(found.args, ctx) : undefined;
}

/** Completion candidates for the word ending at `column` (0-based) of `text`. */
type CompletionType = 'function' | 'variable' | 'reference' | 'field';

export function completions(text: string, column: number, symbols: Iterable<string>): { label: string; type: CompletionType; start: number; length: number }[] {
  const before = text.slice(0, column);
  const word = /[a-z_.$@?][a-z0-9_.$@?]*$/i.exec(before)?.[0] ?? '';
  const start = column - word.length;
  const atStart = before.slice(0, start).trim() === '';
  const lower = word.toLowerCase();
  const out: { label: string; type: CompletionType; start: number; length: number }[] = [];
  if (/^\s*vmcs\s+$/i.test(before.slice(0, start))) {
    for (const name of vmcsFieldNames()) if (name.toLowerCase().startsWith(lower)) out.push({ label: name, type: 'field', start, length: word.length });
    return out;
  }
  if (atStart) for (const c of COMMANDS) if (c.name.startsWith(lower)) out.push({ label: c.name, type: 'function', start, length: word.length });
  for (const name of registerNames()) if (name.startsWith(lower)) out.push({ label: name, type: 'variable', start, length: word.length });
  for (const name of symbols) if (name.toLowerCase().startsWith(lower)) out.push({ label: name, type: 'reference', start, length: word.length });
  return out;
}
