/**
 * Host-side errors (bad configuration, misuse of an API, a port in use). Every one carries a stable
 * `code` from {@link ErrorCode}; docs/errors.md lists them. Device-side failures are not exceptions:
 * they are AT error results and Zephyr errno values, as on the real modem.
 */
export const ErrorCode = {
  INVALID_ARGUMENT: 'NRF91SIM_INVALID_ARGUMENT',
  INVALID_STATE: 'NRF91SIM_INVALID_STATE',
  PORT_IN_USE: 'NRF91SIM_PORT_IN_USE',
  PATH_UNWRITABLE: 'NRF91SIM_PATH_UNWRITABLE',
  PTY_UNAVAILABLE: 'NRF91SIM_PTY_UNAVAILABLE',
  TRANSPORT_CLOSED: 'NRF91SIM_TRANSPORT_CLOSED',
  SERIAL_OPEN_FAILED: 'NRF91SIM_SERIAL_OPEN_FAILED',
  AT_TIMEOUT: 'NRF91SIM_AT_TIMEOUT',
  AT_COMMAND_FAILED: 'NRF91SIM_AT_COMMAND_FAILED',
  STATE_CORRUPT: 'NRF91SIM_STATE_CORRUPT',
  NOT_FOUND: 'NRF91SIM_NOT_FOUND',
  ALREADY_EXISTS: 'NRF91SIM_ALREADY_EXISTS',
  CERTIFICATE_INVALID: 'NRF91SIM_CERTIFICATE_INVALID',
  POLICY_INVALID: 'NRF91SIM_POLICY_INVALID',
  SHADOW_REJECTED: 'NRF91SIM_SHADOW_REJECTED',
  BROKER_UNREACHABLE: 'NRF91SIM_BROKER_UNREACHABLE',
  PROJECT_INVALID: 'NRF91SIM_PROJECT_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class SimError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimError';
    this.code = code;
  }
}

export function isSimError(err: unknown, code?: ErrorCode): err is SimError {
  return err instanceof SimError && (code === undefined || err.code === code);
}
