// What a command needs from its process: output streams, the environment, the working directory.
// Every command (check, semgrep) takes one, so tests drive them in-process with a recording `Io`.

/** Writes a progress line in place, or erases it when given `undefined`. */
export type ProgressWriter = (line: string | undefined) => void;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Rewrites a progress line in place on a terminal's stderr; absent when stderr is not one. */
  readonly progress?: ProgressWriter;
}
