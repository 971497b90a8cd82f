/** The CLI's output seam (tests capture it). */
export interface CliIo {
  stdout(line: string): void;
  stdoutRaw(text: string): void;
  stderr(line: string): void;
}

export const processIo: CliIo = {
  stdout: (line) => void process.stdout.write(line + '\n'),
  stdoutRaw: (text) => void process.stdout.write(text),
  stderr: (line) => void process.stderr.write(line + '\n'),
};
