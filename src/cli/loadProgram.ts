/**
 * Reads a program for `run` (and later the debug adapter): assembly sources
 * (.hvasm/.asm/.nasm/.s) are assembled in memory; anything else is a flat binary or an
 * ELF64 executable.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assemble, type AssembleResult, type Diagnostic } from '../asm/index';

export class ProgramError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

export interface Program {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** Where a flat image wants to be loaded (its `org`), when known. */
  readonly origin: number | undefined;
  readonly assembly: AssembleResult | undefined;
}

const SOURCE_EXTENSIONS = /\.(hvasm|asm|nasm|s)$/i;

export function isAssemblySource(path: string): boolean {
  return SOURCE_EXTENSIONS.test(path);
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line + 1}:${d.range.start.column + 1}: ${d.severity}: ${d.message}`;
}

export function loadProgram(path: string): Program {
  const absolute = resolve(path);
  let stat;
  try {
    stat = statSync(absolute);
  } catch {
    throw new ProgramError(`cannot read ${path}: no such file`);
  }
  if (stat.isDirectory()) throw new ProgramError(`cannot run ${path}: it is a directory`);
  if (!isAssemblySource(absolute)) {
    const bytes = new Uint8Array(readFileSync(absolute));
    if (bytes.length === 0) throw new ProgramError(`cannot run ${path}: the file is empty`);
    return { path: absolute, bytes, origin: undefined, assembly: undefined };
  }
  const result = assemble(absolute, {
    readFile: (file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    includePaths: [dirname(absolute)],
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new ProgramError(`${path}: ${errors.length} assembly error${errors.length === 1 ? '' : 's'}`, result.diagnostics);
  }
  return { path: absolute, bytes: result.bytes, origin: result.origin, assembly: result };
}
