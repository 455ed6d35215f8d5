/**
 * The exit codes of every `weir` command (README "Command line"). Scripts branch on them, so they
 * never change meaning.
 */
export const ExitCode = {
  /** It worked (and a run that was waited for finished with result Success). */
  Ok: 0,
  /** It ran but failed: a run waited for ended with result Error or was stopped; `serve` could not start. */
  Failed: 1,
  /**
   * The command line is wrong (unknown command or option, a missing or malformed argument, a bad setting),
   * or `serve` refused to start for a reason the operator fixes: its data dir or port is in use, the
   * database cannot be reached.
   */
  Usage: 2,
  /** The server refused the request (a 4xx other than 401/403): unknown id, invalid input, a state conflict. */
  Refused: 3,
  /** No valid credentials: the token or client was refused (401), or lacks the scope (403). */
  Unauthorized: 4,
  /** The server could not be reached, timed out, or answered 5xx. */
  Unavailable: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure of a command: its sentence goes to stderr, its code becomes the exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
