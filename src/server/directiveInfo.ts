// Assembler and preprocessor directives: completion items and hover text.

export interface DirectiveInfo {
  name: string;
  summary: string;
  /** Snippet text after the name, in LSP snippet syntax. */
  snippet?: string;
}

const table: [string, string, string?][] = [
  ['db', 'Define bytes: numbers, characters, strings', ' ${1:0}'],
  ['dw', 'Define 16-bit words', ' ${1:0}'],
  ['dd', 'Define 32-bit dwords', ' ${1:0}'],
  ['dq', 'Define 64-bit qwords', ' ${1:0}'],
  ['resb', 'Reserve uninitialised bytes (.bss)', ' ${1:1}'],
  ['resw', 'Reserve uninitialised words', ' ${1:1}'],
  ['resd', 'Reserve uninitialised dwords', ' ${1:1}'],
  ['resq', 'Reserve uninitialised qwords', ' ${1:1}'],
  ['times', 'Repeat the rest of the line N times', ' ${1:count} ${2:db 0}'],
  ['align', 'Pad with NOPs (code) or zeros to a multiple of N', ' ${1:16}'],
  ['alignb', 'Reserve space to a multiple of N (.bss)', ' ${1:16}'],
  ['org', 'Address of the first byte of the flat image', ' ${1:0x7c00}'],
  ['bits', 'Code size: 16, 32 or 64', ' ${1|64,32,16|}'],
  ['section', 'Switch section (.text, .data, .bss)', ' ${1|.text,.data,.bss|}'],
  ['segment', 'Same as section', ' ${1|.text,.data,.bss|}'],
  ['equ', 'Define a constant: `name equ expression`', ' ${1:value}'],
  ['global', 'Export a symbol', ' ${1:name}'],
  ['extern', 'Import a symbol from another object', ' ${1:name}'],
  ['default', '`default rel`: RIP-relative addressing for [label] operands', ' ${1|rel,abs|}'],
  ['incbin', 'Include a binary file verbatim', ' "${1:file}"'],
  ['%define', 'Single-line macro: `%define NAME value`', ' ${1:NAME} ${2:value}'],
  ['%undef', 'Remove a single-line macro', ' ${1:NAME}'],
  ['%include', 'Include another source file (relative to this file, then the workspace)', ' "${1:hyperscope/vmx.inc}"'],
  ['%macro', 'Multi-line macro up to %endmacro', ' ${1:name} ${2:0}\n\t$0\n%endmacro'],
  ['%endmacro', 'End of a multi-line macro'],
  ['%if', 'Conditional assembly', ' ${1:condition}\n\t$0\n%endif'],
  ['%ifdef', 'Assemble if a macro is defined', ' ${1:NAME}\n\t$0\n%endif'],
  ['%ifndef', 'Assemble if a macro is not defined', ' ${1:NAME}\n\t$0\n%endif'],
  ['%elif', 'Else-if branch of %if'],
  ['%else', 'Else branch of %if'],
  ['%endif', 'End of %if'],
  ['%rep', 'Repeat a block N times', ' ${1:count}\n\t$0\n%endrep'],
  ['%endrep', 'End of %rep'],
  ['%assign', 'Numeric single-line macro', ' ${1:NAME} ${2:value}'],
  ['%error', 'Stop with an error message', ' "${1:message}"'],
];

export const directives: readonly DirectiveInfo[] = table.map(([name, summary, snippet]) => ({ name, summary, ...(snippet === undefined ? {} : { snippet }) }));

export function lookupDirective(name: string): DirectiveInfo | undefined {
  const lower = name.toLowerCase();
  return directives.find((directive) => directive.name === lower);
}
