import { jsmnParse, jsmnValue } from './jsmn.js';
import { ShadowReturnCode } from './return-codes.js';

/** shadowconfigJSON_JSMN_TOKENS: tokens the Shadow client parses a document into. */
export const SHADOW_JSON_JSMN_TOKENS = 64;

/**
 * `SHADOW_JSONDocClientTokenMatch`: both documents parse (within the token budget) and carry the
 * same non-empty `clientToken`. An update is only ever matched to its response this way, so an
 * update without a client token, or with more tokens than the budget, never completes.
 */
export function clientTokenMatch(
  request: string,
  response: string,
  maxTokens = SHADOW_JSON_JSMN_TOKENS,
): boolean {
  const a = jsmnParse(request, maxTokens);
  if (typeof a === 'number' || a.length === 0) return false;
  const token = jsmnValue(request, a, 'clientToken');
  if (token === undefined) return false;
  const b = jsmnParse(response, maxTokens);
  if (typeof b === 'number' || b.length === 0) return false;
  return jsmnValue(response, b, 'clientToken') === token;
}

/** C `strtol(s, NULL, 0)`: decimal, `0x` hex or leading-zero octal, 0 when there is no number. */
function strtol0(text: string): number {
  const m = /^\s*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(text);
  if (!m) return 0;
  const [, sign, digits = '0'] = m;
  const value = /^0[xX]/.test(digits)
    ? Number.parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0')
      ? Number.parseInt(digits, 8)
      : Number.parseInt(digits, 10);
  return sign === '-' ? -value : value;
}

/**
 * `prvGetErrorCodeAndMessage` over `SHADOW_JSONGetErrorCodeAndMessage`: the `code` of a rejected
 * document as it came (cast to int16), a jsmn error when the document does not parse, and
 * eShadowJSMNInval when it parses but has no code.
 */
export function rejectedCode(
  document: string,
  maxTokens = SHADOW_JSON_JSMN_TOKENS,
): { code: number; message: string | undefined } {
  const tokens = jsmnParse(document, maxTokens);
  if (typeof tokens === 'number') return { code: tokens, message: undefined };
  const raw = tokens.length > 0 ? jsmnValue(document, tokens, 'code') : undefined;
  const code = raw === undefined ? 0 : (strtol0(raw) << 16) >> 16;
  return {
    code: code === 0 ? ShadowReturnCode.eShadowJSMNInval : code,
    message: tokens.length > 0 ? jsmnValue(document, tokens, 'message') : undefined,
  };
}
