/**
 * A JSON tokenizer with jsmn's contract, as aws_shadow_json.c uses it: a fixed number of tokens
 * (shadowconfigJSON_JSMN_TOKENS), each a span of the text with its number of children, and jsmn's
 * error codes when the text does not fit or does not parse.
 */

export const JSMN_ERROR_NOMEM = -1;
export const JSMN_ERROR_INVAL = -2;
export const JSMN_ERROR_PART = -3;

export type JsmnType = 'object' | 'array' | 'string' | 'primitive';

export interface JsmnToken {
  type: JsmnType;
  /** First character; for a string, the one after the opening quote. */
  start: number;
  /** One past the last character; for a string, the closing quote. */
  end: number;
  /** Children: keys of an object, elements of an array, 1 for a key followed by its value. */
  size: number;
}

const PRIMITIVE_START = /[-0-9tfn]/;
const DELIMITER = /[\s,\]}:]/;

/**
 * Tokens of `text`, or JSMN_ERROR_NOMEM (more than `maxTokens`), JSMN_ERROR_INVAL (a character
 * that cannot be there) or JSMN_ERROR_PART (the text ends inside a value). Empty text has no tokens.
 */
export function jsmnParse(text: string, maxTokens: number): JsmnToken[] | number {
  const tokens: JsmnToken[] = [];
  /** Open objects and arrays, innermost last, with the key waiting for its value if any. */
  const stack: Array<{ token: JsmnToken; key: JsmnToken | undefined; expectKey: boolean }> = [];
  const add = (token: JsmnToken): number => {
    if (tokens.length >= maxTokens) return JSMN_ERROR_NOMEM;
    const parent = stack.at(-1);
    if (parent) {
      if (parent.key) {
        parent.key.size = 1;
        parent.key = undefined;
      } else {
        parent.token.size++;
        if (parent.token.type === 'object') {
          if (token.type !== 'string' || !parent.expectKey) return JSMN_ERROR_INVAL;
          parent.key = token;
          parent.expectKey = false;
        }
      }
    } else if (tokens.length > 0 && !stack.length) {
      return JSMN_ERROR_INVAL;
    }
    tokens.push(token);
    return 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '{' || c === '[') {
      const token: JsmnToken = { type: c === '{' ? 'object' : 'array', start: i, end: -1, size: 0 };
      const err = add(token);
      if (err) return err;
      stack.push({ token, key: undefined, expectKey: c === '{' });
    } else if (c === '}' || c === ']') {
      const open = stack.pop();
      if (!open || open.token.type !== (c === '}' ? 'object' : 'array') || open.key) return JSMN_ERROR_INVAL;
      open.token.end = i + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\') {
          j++;
          if (j >= text.length) return JSMN_ERROR_PART;
          if (!'"/\\bfrnt'.includes(text[j] ?? '') && text[j] !== 'u') return JSMN_ERROR_INVAL;
        }
      }
      if (j >= text.length) return JSMN_ERROR_PART;
      const err = add({ type: 'string', start: i + 1, end: j, size: 0 });
      if (err) return err;
      i = j;
    } else if (c === ':') {
      const top = stack.at(-1);
      if (!top?.key || top.token.type !== 'object') return JSMN_ERROR_INVAL;
    } else if (c === ',') {
      const top = stack.at(-1);
      if (!top || top.key) return JSMN_ERROR_INVAL;
      if (top.token.type === 'object') top.expectKey = true;
    } else if (/\s/.test(c)) {
      continue;
    } else if (PRIMITIVE_START.test(c)) {
      const top = stack.at(-1);
      // A primitive cannot be an object key.
      if (top && top.token.type === 'object' && !top.key) return JSMN_ERROR_INVAL;
      let j = i;
      while (j < text.length && !DELIMITER.test(text[j] ?? '')) j++;
      if (!/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)$/.test(text.slice(i, j))) return JSMN_ERROR_INVAL;
      const err = add({ type: 'primitive', start: i, end: j, size: 0 });
      if (err) return err;
      i = j - 1;
    } else {
      return JSMN_ERROR_INVAL;
    }
  }
  if (stack.length > 0) return JSMN_ERROR_PART;
  return tokens;
}

/**
 * `prvGetJSONValue`: the text of the value of the last key named `key` (at any depth), or
 * undefined when there is none or the value is empty; objects and arrays come back whole.
 */
export function jsmnValue(text: string, tokens: readonly JsmnToken[], key: string): string | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i];
    if (!t || t.type !== 'string' || t.size !== 1 || text.slice(t.start, t.end) !== key) continue;
    const v = tokens[i + 1];
    const value = v ? text.slice(v.start, v.end) : '';
    return value === '' ? undefined : value;
  }
  return undefined;
}
