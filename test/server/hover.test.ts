// Hover over JSON-RPC: mnemonics (privilege, VMX non-root behaviour, exit reason),
// registers, numbers in every base, labels (address) and VMCS field constants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoverRequest, type Hover, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { documentClient, needsAssembler, positionOf } from './lspClient';

const uri = 'file:///hover/guest.hvasm';
const source = [
  'bits 64',
  'org 0x1000',
  'start:',
  '    mov rax, cr0',
  '    mov rcx, 0x1f',
  '    cpuid',
  '    hlt',
  '    vmlaunch',
  '    rdmsr',
  '    jmp start',
  '',
].join('\n');

const client = documentClient(uri, source);

async function hoverText(needle: string, offset = 0, text = source, documentUri = uri): Promise<string> {
  const hover: Hover | null = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: documentUri }, position: positionOf(text, needle, offset) });
  assert.ok(hover, `no hover on ${needle}`);
  return (hover.contents as MarkupContent).value;
}

test('vmlaunch: VMX instruction that always exits in non-root operation, reason 20', async () => {
  const text = await hoverText('vmlaunch', 2);
  assert.match(text, /VMLAUNCH/);
  assert.match(text, /always causes a VM exit/);
  assert.match(text, /exit reason 20 \(VMLAUNCH\)/);
  assert.match(text, /ring 0 only, in VMX operation/);
});

test('hlt: ring 0, exits when primary control bit 7 "HLT exiting" is set, reason 12', async () => {
  const text = await hoverText('hlt');
  assert.match(text, /ring 0 only/);
  assert.match(text, /bit 7 "HLT exiting"/);
  assert.match(text, /exit reason 12 \(HLT\)/);
});

test('cpuid always exits with reason 10; rdmsr goes through the MSR bitmaps, reason 31', async () => {
  assert.match(await hoverText('cpuid'), /always causes a VM exit — exit reason 10 \(CPUID\)/);
  const rdmsr = await hoverText('rdmsr');
  assert.match(rdmsr, /use MSR bitmaps/);
  assert.match(rdmsr, /exit reason 31 \(RDMSR\)/);
});

test('mov with a control register is the privileged CR-access form, reason 28', async () => {
  const text = await hoverText('mov rax, cr0');
  assert.match(text, /privileged/);
  assert.match(text, /exit reason 28 \(control-register access\)/);
});

test('a register hover names its role', async () => {
  assert.match(await hoverText('cr0', 1), /\*\*CR0\*\* — control register[\s\S]*PG \(31\) paging/);
});

test('a number hover shows hex, decimal and binary', async () => {
  assert.match(await hoverText('0x1f', 1), /0x1F = 31 = 0b1_1111/);
});

test('a label hover shows its address', needsAssembler, async () => {
  assert.match(await hoverText('jmp start', 5), /\*\*start\*\* — label at address `0x1000`/);
});

test('a VMCS field constant from hyperscope/vmx.inc shows encoding, width, type and meaning', async () => {
  const text = '%include "hyperscope/vmx.inc"\n    mov rax, VMCS_GUEST_RIP\n    cmp eax, EXIT_REASON_HLT\n';
  const vmxUri = 'file:///hover/vmcs.hvasm';
  await client.open(vmxUri, text);
  const field = await hoverText('VMCS_GUEST_RIP', 1, text, vmxUri);
  assert.match(field, /VMCS field `0x681E`/);
  assert.match(field, /guest RIP/);
  assert.match(field, /width natural-width/);
  assert.match(field, /type guest-state/);
  const reason = await hoverText('EXIT_REASON_HLT', 1, text, vmxUri);
  assert.match(reason, /basic exit reason `0xC`/);
  assert.match(reason, /exit reason 12/);
});

test('a %define hover shows its body and value', async () => {
  const text = '%define PORT 0x3f8\n    mov dx, PORT\n';
  const defineUri = 'file:///hover/define.hvasm';
  await client.open(defineUri, text);
  assert.match(await hoverText('dx, PORT', 5, text, defineUri), /`%define PORT 0x3f8` = 0x3F8 = 1016/);
});
