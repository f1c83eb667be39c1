/**
 * The console's lines captured while a command-line `main` runs in the test's process (its
 * errors and its output are what the tests assert), and the console given back.
 */
export interface CapturedConsole {
  errors: string[];
  logs: string[];
  /** puts console.error and console.log back */
  restore(): void;
}

export function captureConsole(): CapturedConsole {
  const { error, log } = console;
  const captured: CapturedConsole = {
    errors: [],
    logs: [],
    restore() {
      console.error = error;
      console.log = log;
    },
  };
  console.error = (line: string) => captured.errors.push(line);
  console.log = (line: string) => captured.logs.push(line);
  return captured;
}
