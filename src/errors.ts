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

/**
 * A value taken from a server's answer was about to become part of a request path and is not the kind
 * of id it should be ("..", "a/b", a missing id): the request is not sent.
 */
export class UnsafeIdError extends HarnessError {
  /** The refused value, quoted and cut for display. */
  readonly value: string;
  /** The operation it was meant for, or where it was read. */
  readonly where: string;

  constructor(value: unknown, what: string, where: string, expected: string) {
    const shown = quoteValue(value);
    super(
      'GH_UNSAFE_ID',
      `Refused ${what} ${shown} for ${where}: expected ${expected}; the request was not sent, as an id must never reshape its path`,
      ExitCode.CheckFailed,
    );
    this.value = shown;
    this.where = where;
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

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not reach a terminal raw
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A value from a server, safe to print on one line: JSON-quoted, cut to 80 characters, control characters escaped. */
export function quoteValue(value: unknown, max = 80): string {
  if (value === undefined) return 'undefined';
  const text = typeof value === 'string' ? value : jsonOrString(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  const quoted = typeof value === 'string' ? JSON.stringify(cut) : cut;
  // JSON.stringify leaves DEL, C1 controls and the line/paragraph separators raw.
  return quoted.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function jsonOrString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
