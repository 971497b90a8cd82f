// Every constant of `hyperscope/vmx.inc` as one typed table: the include's text is rendered
// from it (vmxInc.ts), and hover or completion can look names up here instead of parsing text.
import { eptGroups } from './eptTable';
import { eventStateGroups } from './eventStateTable';
import { exitReasonGroups } from './exitReasonTable';
import { vmcsFieldGroups } from './vmcsFieldTable';
import { vmxControlGroups } from './vmxControlTable';
import { vmxMsrGroups } from './vmxMsrTable';
import type { VmxConstant, VmxConstantGroup } from './vmxTypes';

export type { VmcsFieldShape, VmcsFieldType, VmcsFieldWidth, VmxConfidence, VmxConstant, VmxConstantGroup, VmxConstantKind } from './vmxTypes';

/** The include's groups in the order it prints them. */
export const vmxConstantGroups: readonly VmxConstantGroup[] = [...vmcsFieldGroups, ...vmxControlGroups, ...exitReasonGroups, ...vmxMsrGroups, ...eptGroups, ...eventStateGroups];

/** All constants, in include order. */
export const vmxConstantTable: readonly VmxConstant[] = vmxConstantGroups.flatMap((group) => group.constants);

let byName: ReadonlyMap<string, VmxConstant> | undefined;

/** The constant called `name` (case-sensitive, as nasm's equ), if vmx.inc defines it. */
export function vmxConstant(name: string): VmxConstant | undefined {
  byName ??= new Map(vmxConstantTable.map((c) => [c.name, c]));
  return byName.get(name);
}
