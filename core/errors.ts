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
  IMAGE_BAD_MAGIC: 'NRF91SIM_IMAGE_BAD_MAGIC',
  IMAGE_BAD_HEADER: 'NRF91SIM_IMAGE_BAD_HEADER',
  IMAGE_TRUNCATED: 'NRF91SIM_IMAGE_TRUNCATED',
  IMAGE_BAD_TLV: 'NRF91SIM_IMAGE_BAD_TLV',
  IMAGE_HASH_MISSING: 'NRF91SIM_IMAGE_HASH_MISSING',
  IMAGE_HASH_MISMATCH: 'NRF91SIM_IMAGE_HASH_MISMATCH',
  IMAGE_UNSIGNED: 'NRF91SIM_IMAGE_UNSIGNED',
  IMAGE_KEY_UNKNOWN: 'NRF91SIM_IMAGE_KEY_UNKNOWN',
  IMAGE_SIGNATURE_INVALID: 'NRF91SIM_IMAGE_SIGNATURE_INVALID',
  IMAGE_BAD_MANIFEST: 'NRF91SIM_IMAGE_BAD_MANIFEST',
  IMAGE_TOO_LARGE: 'NRF91SIM_IMAGE_TOO_LARGE',
  IMAGE_BAD_KEY: 'NRF91SIM_IMAGE_BAD_KEY',
  MODEM_DELTA_INVALID: 'NRF91SIM_MODEM_DELTA_INVALID',
  BOOT_NO_BOOTABLE_IMAGE: 'NRF91SIM_BOOT_NO_BOOTABLE_IMAGE',
  BOOT_POWER_CUT: 'NRF91SIM_BOOT_POWER_CUT',
  BOOT_FLASH_ERROR: 'NRF91SIM_BOOT_FLASH_ERROR',
  S3_REQUEST_FAILED: 'NRF91SIM_S3_REQUEST_FAILED',
  S3_NO_ENDPOINT: 'NRF91SIM_S3_NO_ENDPOINT',
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
