/** Exit codes every command shares; a CI gate relies on them, so they never change meaning. */
export const ExitCode = {
  /** Every check passed. */
  Ok: 0,
  /** At least one check failed (or a threshold was breached). */
  CheckFailed: 1,
  /** Usage or configuration error: bad flag, missing credential, unreadable clouds.yaml. */
  Usage: 2,
  /** The target could not be reached, or authentication failed, before any check ran. */
  Unreachable: 3,
  /** Interrupted by SIGINT/SIGTERM after cleaning up. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error the harness reports on purpose: a stable code, an exit code, one line of text. */
export class HarnessError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A setting is missing or wrong. The message names the variable or flag and the rule. */
export class ConfigError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GH_CONFIG', message, ExitCode.Usage, options);
  }
}

/** A command-line usage error (unknown option, bad value). */
export class UsageError extends HarnessError {
  constructor(message: string) {
    super('GH_USAGE', message, ExitCode.Usage);
  }
}

/** The target (Keystone or Glance) did not answer at all: refused, DNS, TLS, timeout. */
export class UnreachableError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GH_UNREACHABLE', message, ExitCode.Unreachable, options);
  }
}

/** Keystone answered, but refused the credentials or gave no usable token/catalog. */
export class AuthError extends HarnessError {
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('GH_AUTH', message, ExitCode.Unreachable, options);
    this.status = status;
  }
}

/** A set-up step (fixture, helper) got a response it cannot continue from. */
export class UnexpectedResponseError extends HarnessError {
  constructor(message: string) {
    super('GH_UNEXPECTED_RESPONSE', message, ExitCode.CheckFailed);
  }
}

/** A file the harness was given (image, config, report) is unreadable or malformed. */
export class InputError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GH_INPUT', message, ExitCode.Usage, options);
  }
}

/** One line for the terminal, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof HarnessError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
