// %include: finds the file (built-in includes, then relative to the including file, then
// the host's include paths) and hands its text back to the preprocessor.
import { type Token, TokenKind } from './lexer';
import type { LineContext } from './statement';
import { builtinIncludes } from './builtins';
import type { AssembleHost, IncludeEdge, Range } from './types';

export interface IncludeState {
  host: AssembleHost | undefined;
  program: { includes: IncludeEdge[]; files: string[] };
  depth: number;
}

/** Directory part of a path ('' if none). */
function dirname(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

function joinPath(dir: string, path: string): string {
  if (dir === '' || path.startsWith('/')) return path;
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + path : `${dir}/${path}`;
}

/**
 * Handles `%include "path"`: built-in includes first, then the including file's folder and
 * the host's include paths; `process` preprocesses the text found.
 */
export function includeFile(state: IncludeState, args: Token[], ctx: LineContext, range: Range, report: (m: string) => void, process: (text: string, file: string) => void): void {
  const pathToken = args[0];
  if (pathToken === undefined || pathToken.kind !== TokenKind.String) {
    report('%include needs a quoted file name');
    return;
  }
  const path = pathToken.text;
  const edge: IncludeEdge = { from: ctx.file, path, range };
  state.program.includes.push(edge);
  const host = state.host;
  if (host === undefined) return;
  let text = builtinIncludes[path];
  let resolved = text === undefined ? undefined : path;
  for (const dir of [dirname(ctx.file), ...(host.includePaths ?? [])]) {
    if (text !== undefined) break;
    const candidate = joinPath(dir, path);
    text = safeRead(host, candidate);
    if (text !== undefined) resolved = candidate;
  }
  if (text === undefined || resolved === undefined) {
    report(`cannot find include file '${path}'`);
    return;
  }
  edge.resolved = resolved;
  if (state.depth >= 32 || state.program.files.filter((f) => f === resolved).length > 16) {
    report(`%include nested too deeply (recursive include of '${path}'?)`);
    return;
  }
  process(text, resolved);
}

function safeRead(host: AssembleHost, path: string): string | undefined {
  try {
    return host.readFile(path);
  } catch {
    return undefined;
  }
}

