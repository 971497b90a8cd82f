/**
 * Differential VMX tests against Bochs 2.7: each case (cases/*.asm, framed by
 * harness.inc) is assembled once with nasm and run both in Hyperscope's bare mode and in
 * Bochs, whose ROM (bench/bochs/rom.asm) gets loader-payload.asm as its payload and the
 * case images through bochsrc's optramimage1–4 (128 KiB each). Both report `key=hex` lines on port 0xE9;
 * `compareReports` lines them up key by key.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine } from '../../../src/machine/machine';
import { F } from '../../../src/machine/vmx/fields';
import type { PortHandler } from '../../../src/machine/io/ioBus';

const HERE = __dirname;
const ROM_DIR = resolve(HERE, '..', '..', '..', 'bench', 'bochs');
const CASES_DIR = join(HERE, 'cases');
/** Where bochsrc's optramimage1 puts the start of the case table (the loader reads it there). */
const TABLE_ADDRESS = 0x1000000;
const REPORT_PORT = 0xe9;
const OPTRAM_CHUNK = 0x20000;
/** Our side: `ret` from a case lands on a stub that writes the debug-exit port. */
const RETURN_STUB = 0x40000;

export interface Report {
  /** `end` = the case returned; `crash` = Bochs reset during it; `missing` = no output; `stopped` = our run stopped otherwise. */
  status: 'end' | 'crash' | 'missing' | 'stopped';
  entries: [string, bigint][];
  detail?: string;
}

/** Why differential tests cannot run here, or undefined. */
export function bochsDiffMissing(): string | undefined {
  for (const tool of ['bochs', 'nasm', 'script', 'timeout']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

export function caseSource(name: string): string {
  return readFileSync(join(CASES_DIR, `${name}.asm`), 'utf8');
}

/** `%define NAME encoding` for every VMCS field, and FIELD_TABLE: `dd encoding` for each (0-terminated). */
function fieldsInclude(): string {
  const defines = Object.entries(F).map(([name, encoding]) => `%define ${name} 0x${encoding.toString(16)}`);
  const table = Object.values(F).map((encoding) => `dd 0x${encoding.toString(16)}`);
  return [...defines, '%macro FIELD_TABLE 0', ...table, 'dd 0xffffffff', '%endmacro'].join('\n');
}

/** Assembles cases (flat binaries for 0x100000) in one temporary folder. */
export function assembleCases(names: readonly string[]): Map<string, Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-vmxdiff-'));
  try {
    writeFileSync(join(dir, 'fields.inc'), `${fieldsInclude()}\n`);
    copyFileSync(join(HERE, 'harness.inc'), join(dir, 'harness.inc'));
    const images = new Map<string, Uint8Array>();
    for (const name of names) {
      const source = join(CASES_DIR, `${name}.asm`);
      const output = join(dir, `${name}.bin`);
      execFileSync('nasm', ['-w-all', '-f', 'bin', '-I', `${dir}/`, '-o', output, source], { stdio: 'pipe' });
      images.set(name, new Uint8Array(readFileSync(output)));
    }
    return images;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Splits port-0xE9 text into reports (one per `@@case` section, or one if there is none). */
export function parseReports(text: string): Report[] {
  const reports: Report[] = [];
  let current: Report | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r/g, '').trim();
    if (line === '@@case') {
      current = { status: 'missing', entries: [] };
      reports.push(current);
      continue;
    }
    if (!current) {
      current = { status: 'missing', entries: [] };
      reports.push(current);
    }
    if (line === '@@end') current.status = 'end';
    else if (line === '@@crash') current.status = 'crash';
    else {
      const match = /^([A-Za-z0-9_.]+)=([0-9a-f]+)$/.exec(line);
      if (match) current.entries.push([match[1] ?? '', BigInt(`0x${match[2] ?? '0'}`)]);
    }
  }
  return reports;
}

/** Runs one case image in our bare mode and returns what it reported. */
export function runOurs(image: Uint8Array, budget = 5_000_000): Report {
  const machine = new Machine({ memoryMB: 32 });
  let text = '';
  const port: PortHandler = {
    name: 'vmx-diff-report',
    in: () => 0xff,
    out: (_port, _size, value) => {
      text += String.fromCharCode(value & 0xff);
    },
  };
  machine.io.register(REPORT_PORT, 1, port);
  machine.loadBare(image);
  machine.mem.poke(RETURN_STUB, Uint8Array.from([0xb0, 0x00, 0xe6, 0xf4])); // mov al, 0; out 0xf4, al
  const rsp = Number(machine.cpu.getGpr(4)) - 8;
  machine.mem.poke(rsp, Uint8Array.from([0x00, 0x00, 0x04, 0x00, 0, 0, 0, 0]));
  machine.cpu.setGpr(4, BigInt(rsp));
  const stop = machine.run(budget);
  const [report] = parseReports(text);
  const result = report ?? { status: 'missing', entries: [] };
  if (stop.reason !== 'exit' || result.status !== 'end') {
    return { ...result, status: result.status === 'end' ? 'end' : 'stopped', detail: `${stop.reason}: ${stop.detail ?? ''}` };
  }
  return result;
}

/** Runs several case images in one Bochs session; one report per image, in order. */
export function runBochs(images: readonly Uint8Array[], timeoutSeconds = 40): { reports: Report[]; log: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-bochsdiff-'));
  try {
    copyFileSync(join(ROM_DIR, 'rom.asm'), join(dir, 'rom.asm'));
    copyFileSync(join(HERE, 'loader-payload.asm'), join(dir, 'payload.asm'));
    execFileSync('nasm', ['-w-all', '-f', 'bin', '-o', join(dir, 'rom.bin'), join(dir, 'rom.asm')], { cwd: dir, stdio: 'pipe' });
    const header = 8 + images.length * 8;
    const total = images.reduce((sum, image) => sum + image.length, header);
    const table = new Uint8Array(total);
    const view = new DataView(table.buffer);
    view.setUint32(0, images.length, true);
    let offset = header;
    images.forEach((image, i) => {
      view.setUint32(8 + i * 8, offset, true);
      view.setUint32(12 + i * 8, image.length, true);
      table.set(image, offset);
      offset += image.length;
    });
    // Bochs loads at most 128 KiB per optramimage: split the table over up to four of them.
    const chunks: string[] = [];
    for (let at = 0; at < table.length; at += OPTRAM_CHUNK) {
      const name = `cases${chunks.length + 1}.bin`;
      writeFileSync(join(dir, name), table.subarray(at, at + OPTRAM_CHUNK));
      chunks.push(`optramimage${chunks.length + 1}: file=${name}, address=0x${(TABLE_ADDRESS + at).toString(16)}`);
    }
    if (chunks.length > 4) throw new RangeError(`the cases need ${chunks.length} optramimages (Bochs has 4): run them in several batches`);
    writeFileSync(
      join(dir, 'bochsrc.txt'),
      [
        'romimage: file=rom.bin',
        'megs: 64',
        'cpu: model=corei7_skylake_x, ips=200000000, reset_on_triple_fault=1',
        'display_library: term',
        'port_e9_hack: enabled=1',
        ...chunks,
        'log: bochs.log',
        'panic: action=fatal',
        'error: action=report',
        'info: action=ignore',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'debugger.rc'), 'c\n'.repeat(8) + 'quit\n'); // a reset (a case that crashed Bochs) stops in the debugger: continue
    const run = spawnSync('timeout', ['-s', 'KILL', String(timeoutSeconds), 'script', '-qec', 'bochs -q -f bochsrc.txt -rc debugger.rc', '/dev/null'], {
      cwd: dir,
      encoding: 'latin1',
      maxBuffer: 64 * 1024 * 1024,
    });
    let log = '';
    try {
      log = readFileSync(join(dir, 'bochs.log'), 'latin1');
    } catch {
      log = '(no bochs.log)';
    }
    return { reports: alignReports(run.stdout ?? '', images.length), log, stdout: run.stdout ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reports after each `@@case` marker; cases the run never reached are `missing`. */
function alignReports(stdout: string, count: number): Report[] {
  const start = stdout.indexOf('@@case');
  const reports = start < 0 ? [] : parseReports(stdout.slice(start));
  while (reports.length < count) reports.push({ status: 'missing', entries: [] });
  return reports.slice(0, count);
}

export interface Difference {
  index: number;
  key: string;
  ours: string;
  bochs: string;
}

const hex = (value: bigint | undefined): string => (value === undefined ? '(absent)' : `0x${value.toString(16)}`);

/**
 * Compares two reports entry by entry (same keys in the same order); keys in `ignore`
 * are left out on both sides (documented deviations, capability values): `key` drops every
 * occurrence (and `key.fl` / `key.err`), `key@n` only the n-th (1-based).
 */
export function compareReports(ours: Report, bochs: Report, ignore: ReadonlySet<string>): Difference[] {
  const keep = (report: Report): [string, bigint][] => {
    const seen = new Map<string, number>();
    return report.entries.filter(([key]) => {
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const base = key.split('.')[0] ?? key; // ignoring `k` also ignores `k.fl` / `k.err`
      return !ignore.has(key) && !ignore.has(base) && !ignore.has(`${key}@${n}`) && !key.startsWith('cap_');
    });
  };
  const a = keep(ours);
  const b = keep(bochs);
  const differences: Difference[] = [];
  if (ours.status !== bochs.status) differences.push({ index: -1, key: 'status', ours: `${ours.status} ${ours.detail ?? ''}`, bochs: bochs.status });
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [keyA, valueA] = a[i] ?? ['(none)', undefined];
    const [keyB, valueB] = b[i] ?? ['(none)', undefined];
    if (differences.length >= 40) break;
    if (keyA !== keyB || valueA !== valueB) differences.push({ index: i, key: keyA === keyB ? keyA : `${keyA} vs ${keyB}`, ours: hex(valueA), bochs: hex(valueB) });
  }
  return differences;
}

/** A report as one line (at most `limit` characters). */
export function formatReport(report: Report, limit = 1500): string {
  const text = `[${report.status}${report.detail ? ` ${report.detail}` : ''}] ${report.entries.map(([k, v]) => `${k}=${hex(v)}`).join(' ')}`;
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
