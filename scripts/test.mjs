// Runs every test/**/*.test.ts file (or those under the folders given) with node:test.
// Node 20's --test does not expand globs itself.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'e2e' && name !== 'fixtures') collect(path, out);
    } else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const files = (roots.length ? roots : ['test']).flatMap((root) => (statSync(root).isDirectory() ? collect(root, []) : [root]));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('-'));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...flags, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
