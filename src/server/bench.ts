// Benchmark hook: time from didChange to the publishDiagnostics for that version, over a
// real JSON-RPC connection. The debounce is set to 0 so the number is the server's own
// latency (parse + assemble + diagnostics + transport), not the typing pause.
import {
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { startInProcessServer } from './inProcess';

const uri = 'file:///bench/latency.hvasm';

/** Median of five didChange → publishDiagnostics round trips on `source`, in milliseconds. */
export async function measureDiagnosticsLatency(source: string): Promise<number> {
  const { client, dispose } = startInProcessServer();
  const waiters = new Map<number, (params: PublishDiagnosticsParams) => void>();
  client.onNotification(PublishDiagnosticsNotification.type, (params) => {
    if (params.version !== undefined) waiters.get(params.version)?.(params);
  });
  const published = (version: number): Promise<PublishDiagnosticsParams> => new Promise((resolve) => waiters.set(version, resolve));
  try {
    await client.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {}, initializationOptions: { diagnosticsDelayMs: 0 } });
    await client.sendNotification(InitializedNotification.type, {});
    const opened = published(1);
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'hvasm', version: 1, text: source } });
    await opened;
    const samples: number[] = [];
    for (let version = 2; version <= 6; version++) {
      const done = published(version);
      const start = performance.now();
      const change = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: `; edit ${version}\n` };
      await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
      await done;
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
  } finally {
    dispose();
  }
}
