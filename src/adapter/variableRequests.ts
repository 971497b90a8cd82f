// scopes, variables, setVariable and setExpression: the Registers scope plus its providers
// (Stack, VMCS / Last VM exit, Devices), each owning a range of variable references.
import { InvalidatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { RegisterVariables, Ref } from './variables';
import { StackScope } from './stackScope';
import { VmcsScope } from './vmcsScope';
import { DevicesScope } from './devicesScope';
import { evaluateExpression } from './expression';
import { assign } from './evaluate';
import { UserError } from './errors';
import { stateChangedEvent, type SessionHost } from './sessionHost';

export class VariableRequests {
  private readonly variables: RegisterVariables;

  /** `edited` runs after a value changed (data breakpoints re-translate their ranges). */
  constructor(
    private readonly host: SessionHost,
    private readonly edited: () => void,
  ) {
    this.variables = new RegisterVariables(() => host.require().machine.cpu);
    this.variables.providers.push(new StackScope(Ref.firstProvided, () => host.require()));
    this.variables.providers.push(new VmcsScope(Ref.firstProvided + 100, () => host.debuggee()?.machine));
    this.variables.providers.push(new DevicesScope(Ref.firstProvided + 10_000, () => host.debuggee()?.machine));
  }

  scopes(response: DebugProtocol.ScopesResponse): void {
    this.host.handle(response, () => {
      this.host.require();
      response.body = { scopes: this.variables.scopes() };
      this.host.sendResponse(response);
    });
  }

  variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.host.handle(response, () => {
      this.host.require();
      const all = this.variables.variables(args.variablesReference);
      if (!all) throw new UserError(`variablesReference ${args.variablesReference} does not exist`);
      const start = args.start ?? 0;
      response.body = { variables: args.count ? all.slice(start, start + args.count) : all.slice(start) };
      this.host.sendResponse(response);
    });
  }

  /** Registers and VMCS fields take an expression's value (a leading minus: signed). */
  setVariable(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.host.handle(response, () => {
      const debuggee = this.host.require();
      if (debuggee.runtime.isRunning) throw new UserError('pause the machine before editing registers');
      const value = evaluateExpression(args.value, debuggee.evalContext);
      const signed = /^\s*-/.test(args.value) ? BigInt.asIntN(64, value) : value;
      try {
        response.body = { value: this.variables.setVariable(args.variablesReference, args.name, signed) };
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      this.host.sendResponse(response);
      this.host.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
      this.host.sendEvent(stateChangedEvent('registers'));
    });
  }

  /** Watch edits: a register name, a flag, or a sized memory operand (`qword [rsp+8]`) takes the value. */
  setExpression(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    this.host.handle(response, () => {
      response.body = { value: assign(this.host.require(), args.expression, args.value) };
      this.edited();
      this.host.sendResponse(response);
      this.host.sendEvent(new InvalidatedEvent(['variables']));
    });
  }
}
