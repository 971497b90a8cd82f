// Entry point of dist/adapterInline.js: the debug adapter inside VS Code's extension host.
// The extension loads this bundle at run time (it may not import src/adapter) and wraps
// each session in vscode.DebugAdapterInlineImplementation; the session object already
// speaks that interface (handleMessage / onDidSendMessage / dispose).
import { HyperscopeSession } from './session';

/** A new, unstarted DAP session for one VS Code debug session. */
export function createSession(): HyperscopeSession {
  return new HyperscopeSession();
}
