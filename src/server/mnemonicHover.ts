// Markdown for a mnemonic's hover: what it does, forms, flags, privilege, VMX non-root behaviour.
import type { MnemonicInfo } from './mnemonicInfo';
import { exitReasonName } from './vmxConstants';

const privilegeText: Record<MnemonicInfo['privilege'], string> = {
  any: 'any privilege level',
  ring0: 'ring 0 only (#GP(0) at CPL > 0)',
  iopl: 'ring 0, or CPL <= RFLAGS.IOPL (#GP(0) otherwise)',
  'vmx-root': 'ring 0 only, in VMX operation (#UD outside VMX operation; VMXON is the way in)',
};

export function nonRootText(info: MnemonicInfo): string {
  const { exits, reason, control } = info.nonRoot;
  const reasonText = reason === undefined ? '' : `exit reason ${reason} (${exitReasonName(reason) ?? 'unknown'})`;
  if (exits === 'always') return `always causes a VM exit — ${reasonText}${control === undefined ? '' : `; ${control}`}`;
  if (exits === 'conditional') return `may cause a VM exit — ${reasonText} — decided by ${control ?? 'the VM-execution controls'}`;
  return `never causes a VM exit${control === undefined ? '' : ` (${control})`}`;
}

export function mnemonicMarkdown(name: string, info: MnemonicInfo): string {
  const forms = info.forms.length === 0 ? [`\`${name}\``] : info.forms.map((form) => `\`${name}${form === '' ? '' : ` ${form}`}\``);
  const kind = info.class === 'vmx' ? ' (VMX instruction)' : info.class === 'privileged' ? ' (privileged)' : '';
  return [
    `**${name.toUpperCase()}**${kind} — ${info.summary}`,
    '',
    `**Forms:** ${forms.join(', ')}`,
    '',
    `**Flags:** ${info.flags}`,
    '',
    `**Privilege:** ${privilegeText[info.privilege]}`,
    '',
    `**In VMX non-root operation:** ${nonRootText(info)}`,
  ].join('\n');
}
