// What the webview keeps across being hidden and shown (the panel does not retain its
// context): the target the user chose and the last message it rendered, through VS Code's
// getState/setState, which survive until the panel closes (and, with the serializer, a reload).
import type { HostMessage, WalkTarget, WebviewMessage } from '../protocol/webview';

export interface ViewState {
  target?: WalkTarget;
  last?: HostMessage;
}

/** The part of `acquireVsCodeApi()` the webview uses (a fake in tests). */
export interface WebviewApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: ViewState): void;
}

function isViewState(value: unknown): value is ViewState {
  return typeof value === 'object' && value !== null;
}

export class StateStore {
  private state: ViewState;

  constructor(private readonly api: WebviewApi) {
    const saved = api.getState();
    this.state = isViewState(saved) ? saved : {};
  }

  get current(): Readonly<ViewState> {
    return this.state;
  }

  update(change: Partial<ViewState>): void {
    this.state = { ...this.state, ...change };
    this.api.setState(this.state);
  }
}
