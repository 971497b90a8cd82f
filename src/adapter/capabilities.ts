// What the adapter tells the client in `initialize`: only what it implements and tests.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS } from './exceptionFilters';

export function capabilities(): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsFunctionBreakpoints: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsInstructionBreakpoints: true,
    supportsDataBreakpoints: true,
    supportsDataBreakpointBytes: true,
    exceptionBreakpointFilters: EXCEPTION_FILTERS,
    supportsExceptionFilterOptions: true,
    supportsExceptionInfoRequest: true,
    supportsEvaluateForHovers: true,
    supportsSetVariable: true,
    supportsSetExpression: true,
    supportsCompletionsRequest: true,
    completionTriggerCharacters: [' '],
    supportsReadMemoryRequest: true,
    supportsWriteMemoryRequest: true,
    supportsDisassembleRequest: true,
    supportsSteppingGranularity: true,
    supportsStepBack: true,
    supportsGotoTargetsRequest: true,
    supportsRestartRequest: true,
    supportsTerminateRequest: true,
    supportsValueFormattingOptions: false,
  };
}
