import tls from 'node:tls';

/**
 * The TLS 1.2 cipher suites the nRF91 modem offers (nrf_socket.h `NRF_TLS_*`), by IANA id, with
 * their OpenSSL names. A modem TLS socket offers exactly these unless TLS_CIPHERSUITE_LIST narrows
 * them, so a server that accepts none of them fails the handshake as it would with the real modem.
 */
export const MODEM_CIPHER_SUITES: ReadonlyArray<{ id: number; iana: string; openssl: string }> = [
  { id: 0xc024, iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', openssl: 'ECDHE-ECDSA-AES256-SHA384' },
  { id: 0xc00a, iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', openssl: 'ECDHE-ECDSA-AES256-SHA' },
  { id: 0xc023, iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-ECDSA-AES128-SHA256' },
  { id: 0xc009, iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-ECDSA-AES128-SHA' },
  { id: 0xc014, iana: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', openssl: 'ECDHE-RSA-AES256-SHA' },
  { id: 0xc027, iana: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-RSA-AES128-SHA256' },
  { id: 0xc013, iana: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-RSA-AES128-SHA' },
  { id: 0x008d, iana: 'TLS_PSK_WITH_AES_256_CBC_SHA', openssl: 'PSK-AES256-CBC-SHA' },
  { id: 0x00ae, iana: 'TLS_PSK_WITH_AES_128_CBC_SHA256', openssl: 'PSK-AES128-CBC-SHA256' },
  { id: 0x008c, iana: 'TLS_PSK_WITH_AES_128_CBC_SHA', openssl: 'PSK-AES128-CBC-SHA' },
  { id: 0xc0a8, iana: 'TLS_PSK_WITH_AES_128_CCM_8', openssl: 'PSK-AES128-CCM8' },
  { id: 0xc02b, iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  { id: 0xc030, iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-RSA-AES256-GCM-SHA384' },
  { id: 0xc02f, iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256' },
];

const available = new Set(tls.getCiphers().map((c) => c.toUpperCase()));

/** True when `id` is a modem suite this Node's OpenSSL can speak (PSK-AES128-CCM8 often is not). */
export function isSupportedCipherId(id: number): boolean {
  return MODEM_CIPHER_SUITES.some((s) => s.id === id && available.has(s.openssl));
}

/** The OpenSSL cipher string for a list of IANA ids (all modem suites when undefined). */
export function cipherString(ids?: readonly number[]): string {
  const chosen = MODEM_CIPHER_SUITES.filter(
    (s) => available.has(s.openssl) && (ids === undefined || ids.includes(s.id)),
  );
  return chosen.map((s) => s.openssl).join(':');
}

/** IANA id of a negotiated suite, from Node's `getCipher().standardName`; 0 when unknown. */
export function cipherIdOf(standardName: string | undefined): number {
  return MODEM_CIPHER_SUITES.find((s) => s.iana === standardName)?.id ?? 0;
}
