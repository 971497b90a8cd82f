// A tiny test runner for the extension host: named async tests run in order, each with a
// time limit; a test may skip itself with a reason. Prints one line per test and the
// closing "e2e: N passed, N failed, N skipped" line, and throws if any failed.

export class Skip extends Error {}

export interface TestCase {
  name: string;
  run: () => Promise<void>;
  timeoutMs?: number;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  durations: Record<string, number>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runTests(tests: readonly TestCase[]): Promise<RunSummary> {
  const summary: RunSummary = { passed: 0, failed: 0, skipped: 0, durations: {} };
  for (const test of tests) {
    const started = Date.now();
    try {
      await withTimeout(test.run(), test.timeoutMs ?? 30_000);
      summary.passed++;
      console.log(`  ✔ ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      if (error instanceof Skip) {
        summary.skipped++;
        console.log(`  - ${test.name}: SKIPPED (${error.message})`);
      } else {
        summary.failed++;
        console.log(`  ✖ ${test.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
    summary.durations[test.name] = Date.now() - started;
  }
  console.log(`e2e: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  return summary;
}

/** Resolves with the first value `probe` returns that is not undefined, polling every `everyMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
