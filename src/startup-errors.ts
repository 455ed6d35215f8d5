/**
 * Why Weir could not start, as a sentence for the operator (the CLI prints it and exits with code 2;
 * no stack trace: nothing is wrong with Weir itself).
 */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/** Another Weir server runs on the same SQLite data dir: two would run the same work twice. */
export class DataDirInUseError extends StartupError {
  override readonly name = 'DataDirInUseError';
}

/** The port is taken by another process. */
export class PortInUseError extends StartupError {
  override readonly name = 'PortInUseError';
}

/** The secret key differs from the one the database was first used with: credentials could not be opened. */
export class SecretKeyMismatchError extends StartupError {
  override readonly name = 'SecretKeyMismatchError';
}
