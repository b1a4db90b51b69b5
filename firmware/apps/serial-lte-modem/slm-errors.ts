import { AtError } from '../../../modem/at/errors.js';
import { DnsError } from '../../../modem/sockets/dns.js';
import { errnoName, isSocketError } from '../../../modem/sockets/errno.js';

/** SLM payloads in AT parameters are at most 1024 bytes (SLM_MAX_PAYLOAD_SIZE). */
export const SLM_MAX_PAYLOAD = 1024;
/** Host names in SLM commands are at most 128 bytes (SLM_MAX_URL). */
export const SLM_MAX_URL = 128;

/** SLM handlers answer every failure with a plain `ERROR`, whatever `+CMEE` says. */
export function slmError(detail: string, lines?: readonly string[]): AtError {
  const err = new AtError(undefined, detail);
  if (lines) err.lines = lines;
  return err;
}

/** Runs a socket call; a SocketError (or DnsError) becomes the SLM's plain ERROR. */
export async function slmCall<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isSocketError(err)) throw slmError(`${what}: ${errnoName(err.errno)}`);
    if (err instanceof DnsError) throw slmError(`${what}: ${err.message}`);
    throw err;
  }
}
