/**
 * One error type for the whole platform. The code decides everything else: the HTTP status
 * an API answers with, whether a worker may retry, and the exit code a CLI run ends with.
 */
const CODES = {
  USAGE: { status: 400, retryable: false, exit: 2 },
  BAD_REQUEST: { status: 400, retryable: false, exit: 2 },
  UNAUTHORIZED: { status: 401, retryable: false, exit: 1 },
  FORBIDDEN: { status: 403, retryable: false, exit: 1 },
  NOT_FOUND: { status: 404, retryable: false, exit: 1 },
  CONFLICT: { status: 409, retryable: false, exit: 1 },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, exit: 1 },
  RATE_LIMITED: { status: 429, retryable: true, exit: 1 },
  UNAVAILABLE: { status: 503, retryable: true, exit: 3 },
  MIGRATION_FAILED: { status: 500, retryable: false, exit: 4 },
  MIGRATION_CONFLICT: { status: 500, retryable: false, exit: 5 },
  SCHEMA_MISMATCH: { status: 503, retryable: false, exit: 6 },
  NOT_BUILT: { status: 501, retryable: false, exit: 7 },
  INTERNAL: { status: 500, retryable: true, exit: 1 },
} as const satisfies Record<string, { status: number; retryable: boolean; exit: number }>;

export type ErrorCode = keyof typeof CODES;

export class PulseError extends Error {
  override readonly name = "PulseError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  get status(): number {
    return CODES[this.code].status;
  }
  /** Workers use this: redelivering a permanent failure cannot succeed. */
  get retryable(): boolean {
    return CODES[this.code].retryable;
  }
  get exitCode(): number {
    return CODES[this.code].exit;
  }
}

/** Exit code table, for `--help` texts and the README. */
export const EXIT_CODES: ReadonlyArray<{ code: number; meaning: string }> = [
  { code: 0, meaning: "success" },
  { code: 1, meaning: "unexpected error (details in the log)" },
  { code: 2, meaning: "bad flag, argument or configuration value" },
  { code: 3, meaning: "a required service (database, bus, broker) is unreachable" },
  { code: 4, meaning: "a migration failed and was rolled back" },
  { code: 5, meaning: "migration history conflict (an applied migration was edited)" },
  { code: 6, meaning: "database schema does not match this binary" },
  { code: 7, meaning: "this role is not built yet in this release" },
  { code: 130, meaning: "forced exit on a second interrupt signal" },
];

export const asPulseError = (err: unknown): PulseError =>
  err instanceof PulseError
    ? err
    : new PulseError("INTERNAL", "internal error", undefined, { cause: err });
