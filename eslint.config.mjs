// Lint rules, including the layer table of ARCHITECTURE.md: each folder under src/
// may import only the folders (and packages) listed for it.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'node:fs', 'path', 'node:path', 'child_process', 'node:child_process', 'net', 'node:net', 'os', 'node:os'];

/** Build a no-restricted-imports rule that forbids the given patterns. */
function restrict(patterns, message) {
  return {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/machine/**/*.ts'],
    rules: restrict(
      ['**/asm/**', '**/adapter/**', '**/server/**', '**/extension/**', '**/webview/**', '**/cli/**', '**/protocol/**', 'vscode', '@vscode/*', 'vscode-*', ...nodeBuiltins],
      'src/machine imports only itself and iced-x86 (ARCHITECTURE.md); host I/O is injected.',
    ),
  },
  {
    files: ['src/asm/**/*.ts'],
    rules: restrict(
      ['**/machine/**', '**/adapter/**', '**/server/**', '**/extension/**', '**/webview/**', '**/cli/**', '**/protocol/**', 'vscode', '@vscode/*', 'vscode-*', ...nodeBuiltins],
      'src/asm imports only itself and iced-x86 (ARCHITECTURE.md); file reading is injected.',
    ),
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: restrict(['**/machine/**', '**/asm/**', '**/adapter/**', '**/server/**', '**/extension/**', '**/webview/**', '**/cli/**', 'vscode', '@vscode/*', 'vscode-*', 'iced-x86'], 'src/protocol imports nothing (ARCHITECTURE.md).'),
  },
  {
    files: ['src/adapter/**/*.ts'],
    rules: restrict(['**/server/**', '**/extension/**', '**/webview/**', '**/cli/**', 'vscode', 'vscode-languageserver*', 'vscode-languageclient*'], 'src/adapter imports machine, asm, protocol and @vscode/debugadapter only (ARCHITECTURE.md).'),
  },
  {
    files: ['src/server/**/*.ts'],
    rules: restrict(['**/machine/**', '**/adapter/**', '**/extension/**', '**/webview/**', '**/cli/**', '**/protocol/**', 'vscode', '@vscode/*', 'vscode-languageclient*'], 'src/server imports asm and vscode-languageserver only (ARCHITECTURE.md).'),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict(['**/machine/**', '**/asm/**', '**/adapter/**', '**/server/**', '**/webview/**', '**/cli/**', 'vscode-languageserver', 'vscode-languageserver/*'], 'src/extension imports protocol, vscode and vscode-languageclient only (ARCHITECTURE.md); the adapter and server are separate entry points.'),
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: restrict(['**/machine/**', '**/asm/**', '**/adapter/**', '**/server/**', '**/extension/**', '**/cli/**', 'vscode', '@vscode/*', 'vscode-*', 'iced-x86', ...nodeBuiltins], 'src/webview imports protocol only (ARCHITECTURE.md).'),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(['**/extension/**', '**/webview/**', 'vscode'], 'src/cli imports machine, asm, adapter and server (ARCHITECTURE.md).'),
  },
);
