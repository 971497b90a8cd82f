// The shape of one named VMX constant shared by `hyperscope/vmx.inc` and the language
// server's hover: name, value, what kind of number it is, and how sure the fact sheet is.

export type VmxConstantKind =
  | 'vmcs-field'
  | 'pin-based-control'
  | 'primary-processor-based-control'
  | 'secondary-processor-based-control'
  | 'vm-exit-control'
  | 'vm-entry-control'
  | 'control-default1'
  | 'exit-reason'
  | 'exit-reason-flag'
  | 'vm-instruction-error'
  | 'vmx-msr'
  | 'feature-control-bit'
  | 'ept-entry'
  | 'eptp'
  | 'ept-vpid-capability'
  | 'invalidation-type'
  | 'ept-violation-qualification'
  | 'interruption-information'
  | 'guest-activity-state'
  | 'guest-interruptibility'
  | 'segment-access-rights';

/** Bits 14:13 of a field encoding (x86-virtualization-facts.md §1.1). */
export type VmcsFieldWidth = '16-bit' | '64-bit' | '32-bit' | 'natural-width';
/** Bits 11:10 of a field encoding. */
export type VmcsFieldType = 'control' | 'read-only' | 'guest-state' | 'host-state';

export interface VmcsFieldShape {
  width: VmcsFieldWidth;
  type: VmcsFieldType;
  /** Bit 0: the encoding reads or writes the high 32 bits of a 64-bit field. */
  highHalf: boolean;
}

/**
 * How well the fact sheet backs the value: `cross-checked` ([C]), `single-source` ([1], or
 * a control it lists only for Bochs), `unconfirmed` ([U]: verify against the SDM).
 */
export type VmxConfidence = 'cross-checked' | 'single-source' | 'unconfirmed';

export interface VmxConstant {
  readonly name: string;
  readonly value: bigint;
  readonly kind: VmxConstantKind;
  /** Short meaning, used as the include line's comment and in hover. */
  readonly description: string;
  /** For kind 'vmcs-field': width and type decoded from the encoding. */
  readonly field?: VmcsFieldShape;
  /** For single-bit constants: the bit position. */
  readonly bit?: number;
  readonly confidence: VmxConfidence;
}

/** One group of constants as the include prints it: a heading and its lines. */
export interface VmxConstantGroup {
  readonly title: string;
  /** Fact-sheet section the values come from. */
  readonly source: string;
  readonly constants: readonly VmxConstant[];
}

type Extra = Partial<Pick<VmxConstant, 'confidence'>>;

/** A constant with a plain value. */
export function constant(kind: VmxConstantKind, name: string, value: number | bigint, description: string, extra: Extra = {}): VmxConstant {
  return { name, value: BigInt(value), kind, description, confidence: extra.confidence ?? 'cross-checked' };
}

/** A single-bit constant `1 << bit`. */
export function bitConstant(kind: VmxConstantKind, name: string, bit: number, description: string, extra: Extra = {}): VmxConstant {
  return { name, value: 1n << BigInt(bit), kind, description, bit, confidence: extra.confidence ?? 'cross-checked' };
}
