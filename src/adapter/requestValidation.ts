// Argument checks for every request the adapter implements, as a table: missing required
// fields and wrong types become error responses naming the field, instead of exceptions
// deep inside a handler.

type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'address';

/** `type` or `type!` (required). */
type Rule = `${FieldType}` | `${FieldType}!`;

const THREAD: Record<string, Rule> = { threadId: 'integer!' };
const STEP: Record<string, Rule> = { threadId: 'integer!', granularity: 'string', singleThread: 'boolean' };

const SCHEMA: Record<string, Record<string, Rule>> = {
  initialize: { adapterID: 'string!', linesStartAt1: 'boolean', columnsStartAt1: 'boolean', pathFormat: 'string' },
  setBreakpoints: { source: 'object!', breakpoints: 'array', lines: 'array', sourceModified: 'boolean' },
  setFunctionBreakpoints: { breakpoints: 'array!' },
  setInstructionBreakpoints: { breakpoints: 'array!' },
  setExceptionBreakpoints: { filters: 'array!', filterOptions: 'array' },
  continue: THREAD,
  next: STEP,
  stepIn: STEP,
  stepOut: STEP,
  pause: THREAD,
  stepBack: STEP,
  reverseContinue: THREAD,
  exceptionInfo: THREAD,
  stackTrace: { threadId: 'integer!', startFrame: 'integer', levels: 'integer' },
  scopes: { frameId: 'integer!' },
  variables: { variablesReference: 'integer!', start: 'integer', count: 'integer', filter: 'string' },
  setVariable: { variablesReference: 'integer!', name: 'string!', value: 'string!' },
  evaluate: { expression: 'string!', frameId: 'integer', context: 'string' },
  setExpression: { expression: 'string!', value: 'string!', frameId: 'integer' },
  gotoTargets: { source: 'object!', line: 'integer!', column: 'integer' },
  goto: { threadId: 'integer!', targetId: 'integer!' },
  restart: { arguments: 'object' },
  completions: { text: 'string!', column: 'integer!', line: 'integer', frameId: 'integer' },
  readMemory: { memoryReference: 'string!', offset: 'integer', count: 'integer!' },
  writeMemory: { memoryReference: 'string!', offset: 'integer', data: 'string!', allowPartial: 'boolean' },
  disassemble: { memoryReference: 'string!', offset: 'integer', instructionOffset: 'integer', instructionCount: 'integer!', resolveSymbols: 'boolean' },
  dataBreakpointInfo: { name: 'string!', variablesReference: 'integer', frameId: 'integer', bytes: 'integer', asAddress: 'boolean' },
  setDataBreakpoints: { breakpoints: 'array!' },
  'hyperscope/pageWalk': { address: 'address!', access: 'string', user: 'boolean' },
  'hyperscope/pageTables': { maxEntries: 'integer' },
  'hyperscope/eptTables': { table: 'string', level: 'integer', guestPhysical: 'string' },
  'hyperscope/vmExits': { limit: 'integer' },
  'hyperscope/writeVmcsField': { field: 'address!', value: 'address!' },
  'hyperscope/devices': { translate: 'object', maxRingEntries: 'integer' },
};

const ARRAY_ITEMS: Record<string, Record<string, Record<string, Rule>>> = {
  setBreakpoints: { breakpoints: { line: 'integer!', column: 'integer', condition: 'string', hitCondition: 'string', logMessage: 'string' } },
  setFunctionBreakpoints: { breakpoints: { name: 'string!', condition: 'string', hitCondition: 'string' } },
  setDataBreakpoints: { breakpoints: { dataId: 'string!', accessType: 'string', condition: 'string', hitCondition: 'string' } },
  setInstructionBreakpoints: { breakpoints: { instructionReference: 'string!', offset: 'integer', condition: 'string', hitCondition: 'string' } },
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}${typeof value === 'string' ? ` (${JSON.stringify(value)})` : ''}`;
}

function matches(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'address':
      return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'string';
    default:
      return typeof value === type;
  }
}

function checkFields(where: string, args: Record<string, unknown>, rules: Record<string, Rule>): string | undefined {
  for (const [field, rule] of Object.entries(rules)) {
    const required = rule.endsWith('!');
    const type = rule.replace('!', '') as FieldType;
    const value = args[field];
    if (value === undefined) {
      if (required) return `${where}: argument '${field}' is missing`;
      continue;
    }
    if (!matches(type, value)) return `${where}: argument '${field}' must be ${type === 'integer' ? 'an integer' : type === 'address' ? 'an address (number or string)' : `a${/^[aeiou]/.test(type) ? 'n' : ''} ${type}`}, got ${describe(value)}`;
  }
  return undefined;
}

/** Returns what is wrong with a request's arguments, or undefined when they are acceptable (or the command has no schema). */
export function validateRequest(command: string, args: unknown): string | undefined {
  const rules = SCHEMA[command];
  if (!rules) return undefined;
  const where = `'${command}' request`;
  // clients drop empty argument objects: no arguments is the same as {}
  if (args === undefined) args = {};
  if (!matches('object', args)) return `${where}: arguments must be an object, got ${describe(args)}`;
  const record = args as Record<string, unknown>;
  const problem = checkFields(where, record, rules);
  if (problem) return problem;
  for (const [field, itemRules] of Object.entries(ARRAY_ITEMS[command] ?? {})) {
    const items = record[field];
    if (!Array.isArray(items)) continue;
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      if (!matches('object', item)) return `${where}: ${field}[${i}] must be an object, got ${describe(item)}`;
      const itemProblem = checkFields(`${where}: ${field}[${i}]`, item as Record<string, unknown>, itemRules);
      if (itemProblem) return itemProblem;
    }
  }
  return undefined;
}
