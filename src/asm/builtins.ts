// Built-in include files, resolvable without a file system: `%include "hyperscope/vmx.inc"`.
import { vmxIncludeText } from './include/vmxInc';

/** Path → text of every built-in include. */
export const builtinIncludes: Readonly<Record<string, string>> = {
  'hyperscope/vmx.inc': vmxIncludeText,
};
