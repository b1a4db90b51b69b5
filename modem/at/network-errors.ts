import { ErrorCode, isSimError } from '../../core/errors.js';
import { AtError, CmeError } from './errors.js';

/**
 * The network model's and PDN table's errors as the modem reports them (nRF91 AT ref +CGDCONT,
 * +CGACT, +COPS): anything else is passed on unchanged.
 */
export function networkAtError(err: unknown): unknown {
  if (!isSimError(err)) return err;
  switch (err.code) {
    case ErrorCode.PDN_CONTEXT_ACTIVE:
    case ErrorCode.PDN_CONTEXT_UNDEFINED:
    case ErrorCode.PDN_CONTEXT_RESERVED:
      return new AtError(CmeError.OPERATION_NOT_ALLOWED, err.message);
    case ErrorCode.NETWORK_NO_SERVICE:
      return new AtError(CmeError.NO_NETWORK_SERVICE, err.message);
    case ErrorCode.NETWORK_RADIO_BUSY:
      return new AtError(CmeError.RADIO_CONNECTION_ACTIVE, err.message);
    default:
      return err;
  }
}

/** Runs a network-model call, answering its failures with their CME codes. */
export function onNetwork<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw networkAtError(err);
  }
}
