/**
 * The differential test's instruction templates: each emits NASM lines and says which
 * arithmetic flags it defines, leaves undefined and reads (see generator.ts). Together
 * they cover every integer instruction group and operand size.
 */
import { ALL6, AF, Builder, CF, CONDITION_READS, CONDITIONS, DATA_BASE, DF, emit, FS_BASE, GS_BASE, OF, PF, regName, SF, SIZE_NAMES, WRITABLE, ZF, type Emitted, type Template } from './builder';

function twoOperandSize(b: Builder): { size: number; high: boolean } {
  const size = b.size();
  return { size, high: size === 1 && b.rng.chance(0.4) };
}

const alu: Template = (b) => {
  const op = b.rng.pick(['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test']);
  const { size, high } = twoOperandSize(b);
  const reads = op === 'adc' || op === 'sbb' ? CF : 0;
  const form = b.rng.int(4);
  const dst = form === 2 ? b.mem(size) : b.reg(size, [], high);
  const src = form === 0 ? b.reg(size, [], high) : form === 3 ? b.mem(size) : op === 'test' && form === 2 ? b.reg(size, [], high) : b.imm(size);
  const logical = ['and', 'or', 'xor', 'test'].includes(op);
  return emit([`${op} ${dst}, ${src}`], logical ? ALL6 & ~AF : ALL6, logical ? AF : 0, reads);
};

const unary: Template = (b) => {
  const op = b.rng.pick(['inc', 'dec', 'neg', 'not']);
  const { size, high } = twoOperandSize(b);
  const dst = b.rm(size, high);
  const defines = op === 'not' ? 0 : op === 'neg' ? ALL6 : ALL6 & ~CF;
  return emit([`${op} ${dst}`], defines);
};

const xchg: Template = (b) => {
  const { size, high } = twoOperandSize(b);
  const a = b.reg(size, [], high);
  const other = b.rng.chance(0.5) ? b.reg(size, [], high) : b.mem(size);
  return emit([b.rng.chance(0.5) ? `xchg ${a}, ${other}` : `xchg ${other}, ${a}`]);
};

const xadd: Template = (b) => {
  const { size, high } = twoOperandSize(b);
  const memory = b.rng.chance(0.5);
  const dst = memory ? b.mem(size) : b.reg(size, [], high);
  return emit([`${memory && b.rng.chance(0.5) ? 'lock ' : ''}xadd ${dst}, ${b.reg(size, [], high)}`], ALL6);
};

const cmpxchg: Template = (b) => {
  const { size, high } = twoOperandSize(b);
  const memory = b.rng.chance(0.5);
  const acc = regName(0, size);
  const srcIndex = b.rng.pick(WRITABLE);
  const src = high ? b.reg(1, [], true) : regName(srcIndex, size);
  const dstIndex = b.rng.pick(WRITABLE);
  const dst = memory ? b.mem(size) : high ? b.reg(1, [], true) : regName(dstIndex, size);
  const lines: string[] = [];
  // Unicorn 2.0.1 (QEMU 5) zero-extends RAX on success and the destination on failure for
  // 32-bit operands; hardware does not. Pre-zero the upper halves so both agree.
  if (size === 4) lines.push('mov eax, eax', memory ? 'nop' : `mov ${dst}, ${dst}`);
  if (b.rng.chance(0.5)) lines.push(`mov ${acc}, ${dst}`); // make the comparison succeed
  lines.push(`${memory && b.rng.chance(0.5) ? 'lock ' : ''}cmpxchg ${dst}, ${src}`);
  return emit(lines, ALL6);
};

const bswap: Template = (b) => emit([`bswap ${b.reg(b.rng.pick([4, 8]))}`]);

const convert: Template = (b) => emit([b.rng.pick(['cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo'])]);

const flagOp: Template = (b) => {
  const op = b.rng.pick(['clc', 'stc', 'cmc', 'cld', 'std', 'lahf', 'sahf']);
  if (op === 'cmc') return emit([op], CF, 0, CF);
  if (op === 'lahf') return emit([op], 0, 0, SF | ZF | AF | PF | CF);
  if (op === 'sahf') return emit([op], SF | ZF | AF | PF | CF);
  return emit([op], op === 'clc' || op === 'stc' ? CF : 0);
};

const pushPopFlags: Template = (b) => {
  const r = b.rng.pick(WRITABLE);
  const value = '0x' + ((Math.floor(b.rng.next() * 4096) & (ALL6 | DF)) | 2).toString(16);
  switch (b.rng.int(4)) {
    case 0:
      return emit(['pushfq', `pop ${regName(r, 8)}`], 0, 0, ALL6);
    case 1:
      return emit([`mov ${regName(r, 4)}, ${value}`, `push ${regName(r, 8)}`, 'popfq'], ALL6);
    case 2:
      return emit(['pushfw', `pop ${regName(r, 2)}`], 0, 0, ALL6);
    default:
      return emit([`mov ${regName(r, 2)}, ${value}`, `push ${regName(r, 2)}`, 'popfw'], ALL6);
  }
};

const setcc: Template = (b) => {
  const c = b.rng.pick(CONDITIONS);
  const dst = b.rng.chance(0.3) ? b.mem(1) : b.reg(1, [], b.rng.chance(0.3));
  return emit([`set${c} ${dst}`], 0, 0, CONDITION_READS[c]!);
};

const cmov: Template = (b) => {
  const c = b.rng.pick(CONDITIONS);
  const size = b.rng.pick([2, 4, 8]);
  const src = b.rng.chance(0.3) ? b.mem(size) : b.reg(size);
  return emit([`cmov${c} ${b.reg(size)}, ${src}`], 0, 0, CONDITION_READS[c]!);
};

const mulOne: Template = (b) => {
  const { size, high } = twoOperandSize(b);
  return emit([`${b.rng.pick(['mul', 'imul'])} ${b.rm(size, high)}`], CF | OF, PF | AF | ZF | SF);
};

const imulMulti: Template = (b) => {
  const size = b.rng.pick([2, 4, 8]);
  const src = b.rng.chance(0.3) ? b.mem(size) : b.reg(size);
  const line = b.rng.chance(0.5) ? `imul ${b.reg(size)}, ${src}` : `imul ${b.reg(size)}, ${src}, ${b.rng.chance(0.5) ? b.rng.range(-128, 127) : b.imm(size)}`;
  return emit([line], CF | OF, PF | AF | ZF | SF);
};

/** div/idiv with operands chosen so no #DE occurs (unit tests cover #DE). */
const divide: Template = (b) => {
  const size = b.size();
  const signed = b.rng.chance(0.5);
  const bits = BigInt(size * 8);
  const divisorIndex = b.rng.pick(WRITABLE.filter((i) => i !== 0 && i !== 2));
  let divisor = b.rng.u64() & ((1n << bits) - 1n);
  if (divisor === 0n || divisor === (1n << bits) - 1n) divisor = 3n;
  if (size === 1 && b.rng.chance(0.5)) divisor = BigInt(b.rng.range(2, 20));
  const lines = [`mov ${regName(divisorIndex, 8)}, 0x${divisor.toString(16)}`];
  if (signed) lines.push(size === 1 ? 'cbw' : size === 2 ? 'cwd' : size === 4 ? 'cdq' : 'cqo');
  else if (size === 1) lines.push('mov ah, 0');
  else lines.push(`mov ${regName(2, 8)}, 0x${(b.rng.u64() % divisor).toString(16)}`);
  const operand = b.rng.chance(0.3) ? `${SIZE_NAMES[size]} [abs 0x${(DATA_BASE + 0x3000).toString(16)}]` : regName(divisorIndex, size);
  if (operand.includes('[')) lines.push(`mov [abs 0x${(DATA_BASE + 0x3000).toString(16)}], ${regName(divisorIndex, 8)}`);
  lines.push(`${signed ? 'idiv' : 'div'} ${operand}`);
  return emit(lines, 0, ALL6);
};

/** div/idiv of random values: often #DE (zero divisor or quotient overflow); the case stops there. */
const divideAny: Template = (b) => {
  const size = b.size();
  const op = b.rng.pick(['div', 'idiv']);
  const lines: string[] = [];
  if (b.rng.chance(0.2)) lines.push(`xor ${regName(3, 4)}, ${regName(3, 4)}`);
  else if (b.rng.chance(0.3)) lines.push(`mov rbx, ${b.rng.pick([1, -1, 2, -2, 0x80, 0x8000])}`);
  lines.push(`${op} ${b.rng.chance(0.3) ? b.mem(size) : regName(3, size)}`);
  return emit(lines, 0, ALL6);
};

/** Flag effects of shl/shr/sar/rol/ror/rcl/rcr by a known masked count. */
function shiftEffects(op: string, size: number, count: number): Emitted {
  const masked = count & (size === 8 ? 63 : 31);
  if (masked === 0) return emit([]);
  const of = masked === 1 ? OF : 0;
  if (op === 'rol' || op === 'ror') return emit([], CF | of, OF & ~of);
  if (op === 'rcl' || op === 'rcr') return emit([], CF | of, OF & ~of, CF);
  const cfUndefined = op !== 'sar' && masked >= size * 8 ? CF : 0;
  return emit([], (CF | PF | ZF | SF | of) & ~cfUndefined, AF | (OF & ~of) | cfUndefined);
}

const shift: Template = (b) => {
  const op = b.rng.pick(['shl', 'sal', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr']);
  const { size, high } = twoOperandSize(b);
  const kind = b.rng.int(3);
  const count = kind === 0 ? 1 : b.rng.chance(0.5) ? b.rng.range(0, 9) : b.rng.range(0, 255);
  const lines: string[] = [];
  let dst = b.rng.chance(0.3) ? b.mem(size) : b.reg(size, [1], high);
  if (high && dst === 'ch') dst = 'ah';
  if (kind === 2) lines.push(`mov cl, ${count}`);
  lines.push(`${op} ${dst}, ${kind === 0 ? '1' : kind === 1 ? String(count) : 'cl'}`);
  const effects = shiftEffects(op === 'sal' ? 'shl' : op, size, count);
  return emit(lines, effects.defines, effects.undefines, effects.reads);
};

const shiftDouble: Template = (b) => {
  const op = b.rng.pick(['shld', 'shrd']);
  const size = b.rng.pick([2, 4, 8]);
  const count = size === 2 ? b.rng.range(0, 16) : b.rng.chance(0.5) ? b.rng.range(0, 9) : b.rng.range(0, 255);
  const masked = count & (size === 8 ? 63 : 31);
  const viaCl = b.rng.chance(0.5);
  // Unicorn 2.0.1 (QEMU 5) forgets the imm8 when computing a RIP-relative shld/shrd
  // address (it accesses one byte too low); we do not, so the imm8 forms stay absolute.
  const dst = b.rng.chance(0.3) ? b.mem(size, viaCl) : b.reg(size, [1]);
  const lines = viaCl ? [`mov cl, ${count}`, `${op} ${dst}, ${b.reg(size, [1])}, cl`] : [`${op} ${dst}, ${b.reg(size)}, ${count}`];
  if (masked === 0) return emit(lines);
  return emit(lines, CF | PF | ZF | SF | (masked === 1 ? OF : 0), AF | (masked === 1 ? 0 : OF));
};

const bitTest: Template = (b) => {
  const op = b.rng.pick(['bt', 'bts', 'btr', 'btc']);
  const size = b.rng.pick([2, 4, 8]);
  const undefinedFlags = OF | SF | AF | PF;
  switch (b.rng.int(4)) {
    case 0:
      return emit([`${op} ${b.reg(size)}, ${b.reg(size)}`], CF, undefinedFlags);
    case 1:
      return emit([`${op} ${b.rm(size, false)}, ${b.rng.range(0, 255)}`], CF, undefinedFlags);
    default: {
      // memory with a register bit offset, reaching before and after the operand
      const offsetIndex = b.rng.pick(WRITABLE);
      const offset = b.rng.range(-4000, 4000);
      const lock = op !== 'bt' && b.rng.chance(0.3) ? 'lock ' : '';
      const base = `${SIZE_NAMES[size]} [abs 0x${(DATA_BASE + 0x1400 + b.rng.range(0, 16)).toString(16)}]`;
      return emit([`mov ${regName(offsetIndex, 8)}, ${offset}`, `${lock}${op} ${base}, ${regName(offsetIndex, size)}`], CF, undefinedFlags);
    }
  }
};

const bitScan: Template = (b) => {
  const op = b.rng.pick(['bsf', 'bsr']);
  const size = b.rng.pick([2, 4, 8]);
  const lines: string[] = [];
  let src: string;
  if (b.rng.chance(0.3)) {
    src = b.mem(size);
    if (b.rng.chance(0.3)) lines.push(`mov ${src}, 0`);
  } else {
    src = b.reg(size);
    if (b.rng.chance(0.3)) lines.push(`xor ${src}, ${src}`);
  }
  const dst = b.reg(size);
  // Unicorn 2.0.1 zero-extends a 32-bit destination it leaves unchanged (zero source); the
  // SDM and we do not modify it. Pre-zero the upper half so both agree.
  if (size === 4) lines.push(`mov ${dst}, ${dst}`);
  lines.push(`${op} ${dst}, ${src}`);
  return emit(lines, ZF, CF | OF | SF | AF | PF);
};

const STRING_OPS = ['movs', 'stos', 'lods', 'cmps', 'scas'];

const stringOp: Template = (b) => {
  const op = b.rng.pick(STRING_OPS);
  const suffix = b.rng.pick(['b', 'w', 'd', 'q']);
  const compares = op === 'cmps' || op === 'scas';
  const rep = b.rng.pick(compares ? ['', 'repe ', 'repne '] : ['', 'rep ']);
  const a32 = b.rng.chance(0.25);
  // long byte runs cross the per-execution iteration limit (the instruction restarts itself)
  const long = suffix === 'b' && b.rng.chance(0.1);
  const count = long ? b.rng.range(1000, 2100) : b.rng.chance(0.1) ? 0 : b.rng.range(1, 24);
  const [low, high] = long ? [0x1000, 0x1800] : [0x400, 0x2c00];
  const precopy = compares && b.rng.chance(0.5);
  // a source segment override (FS/GS base added to rSI); with a32 only FS, whose base is below the data
  const override = op !== 'stos' && op !== 'scas' && !precopy && b.rng.chance(0.25) ? (a32 || b.rng.chance(0.5) ? 'fs' : 'gs') : '';
  const sourceBase = override === 'fs' ? FS_BASE : override === 'gs' ? GS_BASE : 0;
  const lines = [
    `mov ${a32 ? 'esi' : 'rsi'}, ${DATA_BASE + b.rng.range(low, high) - sourceBase}`,
    `mov ${a32 ? 'edi' : 'rdi'}, 0x${(DATA_BASE + b.rng.range(low, high)).toString(16)}`,
    `mov ecx, ${count}`,
    b.rng.chance(0.3) ? 'std' : 'cld',
  ];
  if (precopy) {
    // make runs of equal elements likely: copy the source over the destination first
    lines.push('push rsi', 'push rdi', 'push rcx', 'rep movsb', 'pop rcx', 'pop rdi', 'pop rsi');
  }
  lines.push(`${override ? override + ' ' : ''}${rep}${a32 ? 'a32 ' : ''}${op}${suffix}`);
  const defines = compares && (rep === '' || count > 0) ? ALL6 : 0;
  return emit(lines, defines);
};

const frame: Template = (b) => {
  const size = b.rng.range(0, 64) * 8;
  const level = b.rng.chance(0.5) ? 0 : b.rng.range(1, 4);
  const lines = level > 0 ? ['mov rbp, rsp'] : [];
  lines.push(`enter ${size}, ${level}`, `mov ${b.reg(8, [5])}, [rbp - 8]`, 'leave');
  return emit(lines);
};

const misc: Template = (b) => {
  switch (b.rng.int(5)) {
    case 0:
      return emit(['nop']);
    case 1:
      return emit(['db 0x0f, 0x1f, 0x44, 0x00, 0x00']); // nop dword [rax+rax]
    case 2:
      return emit(['pause']);
    case 3:
      return emit([`mov rbx, 0x${(DATA_BASE + b.rng.range(0, 0x2e00)).toString(16)}`, 'xlatb']);
    default:
      return emit(['db 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00']); // nop word [rax+rax+0]
  }
};

const move: Template = (b) => {
  const size = b.size();
  const high = size === 1 && b.rng.chance(0.3);
  switch (b.rng.int(6)) {
    case 0:
      return emit([`mov ${b.reg(size, [], high)}, ${b.rng.chance(0.5) ? b.mem(size) : b.imm(size, true)}`]);
    case 1:
      return emit([`mov ${b.mem(size)}, ${b.rng.chance(0.5) ? b.reg(size, [], high) : b.imm(size)}`]);
    case 2: {
      const from = b.rng.pick([1, 2]);
      const to = b.rng.pick([2, 4, 8].filter((s) => s > from));
      const legacy = from === 1 && to < 8 && b.rng.chance(0.3);
      const dst = legacy ? regName(b.rng.pick([0, 1, 2, 3, 5, 6, 7]), to) : b.reg(to);
      return emit([`${b.rng.pick(['movzx', 'movsx'])} ${dst}, ${b.rng.chance(0.5) ? b.mem(from) : b.reg(from, [], legacy)}`]);
    }
    case 3: {
      // moffs forms: a0-a3 with a 64-bit absolute address
      const address = `[qword 0x${(DATA_BASE + b.rng.range(0, 0x2f00)).toString(16)}]`;
      const acc = regName(0, size);
      return emit([b.rng.chance(0.5) ? `mov ${acc}, ${address}` : `mov ${address}, ${acc}`]);
    }
    case 4:
      return emit([`mov ${b.reg(size, [], high)}, ${b.reg(size, [], high)}`]);
    default:
      return emit([`movsxd ${b.reg(8)}, ${b.rng.chance(0.5) ? b.mem(4) : b.reg(4)}`]);
  }
};

/** Base + index × scale + displacement addressing (64- and 32-bit address size), via mov and lea. */
const addressing: Template = (b) => {
  const size = b.size();
  const [base, index] = [b.rng.pick(WRITABLE), b.rng.pick(WRITABLE.filter((i) => i !== 4))];
  const scale = b.rng.pick([1, 2, 4, 8]);
  const indexValue = b.rng.range(-64, 64);
  const disp = b.rng.range(-128, 128);
  const a32 = b.rng.chance(0.3);
  const baseValue = DATA_BASE + 0x1800 - indexValue * scale * (base === index ? 0 : 1);
  const lines = base === index ? [`mov ${regName(base, 8)}, ${(DATA_BASE + 0x1800) / 2}`] : [`mov ${regName(base, 8)}, ${baseValue}`, `mov ${regName(index, 8)}, ${indexValue}`];
  if (a32 && base !== index && indexValue < 0) lines[1] = `mov ${regName(index, 8)}, ${-indexValue}`;
  const name = (i: number): string => regName(i, a32 ? 4 : 8);
  const address = `[${name(base)} + ${name(index)} * ${base === index ? 1 : scale} + ${disp}]`;
  const target = b.reg(size);
  switch (b.rng.int(3)) {
    case 0:
      lines.push(`mov ${target}, ${SIZE_NAMES[size]} ${address}`);
      break;
    case 1:
      lines.push(`add ${SIZE_NAMES[size]} ${address}, ${b.reg(size)}`);
      return emit(lines, ALL6);
    default:
      lines.push(`lea ${b.reg(b.rng.pick([2, 4, 8]))}, ${address}`);
  }
  return emit(lines);
};

/** Control flow: jcc, loop/loope/loopne, jrcxz, call/ret (imm16), indirect jmp. */
const branch: Template = (b) => {
  const target = b.label();
  const skipped = `not ${b.reg(8)}`;
  switch (b.rng.int(5)) {
    case 0: {
      const c = b.rng.pick(CONDITIONS);
      return emit([`j${c} ${target}`, skipped, `${target}:`], 0, 0, CONDITION_READS[c]!);
    }
    case 1: {
      const kind = b.rng.pick(['loop', 'loope', 'loopne']);
      const body = b.reg(8, [1]);
      // with ", ecx" the loop counts in ECX (67h) and leaves RCX's upper half zeroed
      const counter = b.rng.chance(0.3) ? ', ecx' : '';
      return emit([`mov rcx, ${counter ? b.rng.pick(['', '0x100000000 + ']) : ''}${b.rng.range(1, 6)}`, `${target}:`, `add ${body}, ${b.reg(8, [1])}`, `${kind} ${target}${counter}`], ALL6);
    }
    case 2:
      return emit([`mov rcx, ${b.rng.pick(['', '0x100000000 + '])}${b.rng.range(0, 1)}`, `${b.rng.pick(['jrcxz', 'jecxz'])} ${target}`, skipped, `${target}:`]);
    case 3: {
      const over = b.label();
      const release = b.rng.chance(0.5);
      const lines = release ? [`push ${b.reg(8)}`] : [];
      lines.push(`call ${target}`, `jmp ${over}`, `${target}:`, `add ${b.reg(8)}, ${b.reg(8)}`, release ? 'ret 8' : 'ret', `${over}:`);
      return emit(lines, ALL6);
    }
    default: {
      const via = b.reg(8);
      return emit([`lea ${via}, [rel ${target}]`, `jmp ${via}`, skipped, `${target}:`]);
    }
  }
};

/** push/pop of registers, memory and immediates in 64- and 16-bit sizes (balanced). */
const stack: Template = (b) => {
  const size = b.rng.pick([2, 8]);
  const source = b.rng.pick(['reg', 'mem', 'imm']);
  const push = source === 'reg' ? `push ${b.reg(size)}` : source === 'mem' ? `push ${b.mem(size)}` : `push ${size === 2 ? 'word' : 'qword'} ${b.rng.range(-0x8000, 0x7fff)}`;
  const pop = b.rng.chance(0.3) ? `pop ${b.mem(size)}` : `pop ${b.reg(size)}`;
  return emit([push, pop]);
};

export const TEMPLATES: Record<string, Template> = {
  stack,
  addressing,
  branch,
  alu,
  unary,
  xchg,
  xadd,
  cmpxchg,
  bswap,
  convert,
  flagOp,
  pushPopFlags,
  setcc,
  cmov,
  mulOne,
  imulMulti,
  divide,
  divideAny,
  shift,
  shiftDouble,
  bitTest,
  bitScan,
  stringOp,
  frame,
  misc,
  move,
};
