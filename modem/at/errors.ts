/**
 * +CME ERROR codes the simulated modem reports (3GPP TS 27.007 §9.2 and the nRF91 AT reference), in
 * one table. With `AT+CMEE=0` (the default after boot) every failure is a plain `ERROR`.
 */
export const CmeError = {
  PHONE_FAILURE: 0,
  OPERATION_NOT_ALLOWED: 3,
  OPERATION_NOT_SUPPORTED: 4,
  SIM_NOT_INSERTED: 10,
  SIM_FAILURE: 13,
  MEMORY_FULL_3GPP: 20,
  NOT_FOUND_3GPP: 22,
  NO_NETWORK_SERVICE: 30,
  NETWORK_TIMEOUT: 31,
  INCORRECT_PARAMETERS: 50,
  /** nRF91: `%CMNG` item not found. */
  NOT_FOUND: 513,
  /** nRF91: no access (e.g. reading a private key). */
  NO_ACCESS: 514,
  /** nRF91: memory full. */
  MEMORY_FULL: 515,
  /** nRF91 +COPS=?: the radio connection is active. */
  RADIO_CONNECTION_ACTIVE: 516,
  /** nRF91: not allowed in active state (LTE on). */
  NOT_ALLOWED_IN_ACTIVE_STATE: 518,
  /** nRF91: already exists. */
  ALREADY_EXISTS: 519,
  /** nRF91: invalid content (a `%CMNG` write whose certificate or key does not parse). */
  INVALID_CONTENT: 527,
  /** nRF91: not allowed when the power-off warning is active. */
  POWER_OFF_WARNING_ACTIVE: 528,
} as const;

export type CmeErrorCode = (typeof CmeError)[keyof typeof CmeError];

/**
 * A command failure. `cme` undefined means a syntax-level failure (unknown command, malformed line,
 * wrong parameter shape), which is a plain `ERROR` whatever `+CMEE` says, as V.250 has it; with a code
 * it is `+CME ERROR: <code>` under `AT+CMEE=1` and `ERROR` under `AT+CMEE=0`.
 */
export class AtError extends Error {
  /** Information lines written before the error result (SLM: `#XGETADDRINFO: "EAI_NONAME"`). */
  lines?: readonly string[];

  constructor(
    readonly cme?: number,
    message?: string,
  ) {
    super(message ?? (cme === undefined ? 'ERROR' : `+CME ERROR: ${cme}`));
    this.name = 'AtError';
  }

  static syntax(message = 'syntax error'): AtError {
    return new AtError(undefined, message);
  }
}
