// File-system access for the server, in one place: mapping URIs to file names, reading
// include files from disk, and listing assembly sources of the workspace. Features never
// touch the disk; they get this through SourceHost.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** File name the assembler sees for a document URI (a path for file: URIs). */
export function uriToFile(uri: string): string {
  return uri.startsWith('file:') ? normalize(fileURLToPath(uri)) : uri;
}

/** URI for a file name the assembler reported. */
export function fileToUri(file: string): string {
  return isAbsolute(file) ? pathToFileURL(file).href : file;
}

export function readDiskFile(file: string): string | undefined {
  if (!isAbsolute(file)) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const sourceExtensions = /\.(hvasm|asm|nasm|inc|s)$/i;
const skippedFolders = new Set(['node_modules', '.git', 'dist', 'out']);

/** Assembly sources under `roots`, breadth first, at most `limit`. */
export function listSourceFiles(roots: readonly string[], limit = 2000): string[] {
  const out: string[] = [];
  const queue = [...roots];
  while (queue.length > 0 && out.length < limit) {
    const folder = queue.shift() ?? '';
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !skippedFolders.has(entry.name)) queue.push(join(folder, entry.name));
      else if (entry.isFile() && sourceExtensions.test(entry.name) && out.length < limit) out.push(join(folder, entry.name));
    }
  }
  return out;
}
