import type { JsonValue } from '../services/shadow/json.js';

/**
 * The part of JSONata (jsonata.org) that nRF Cloud shadow transform requests use: NCS asks for
 * `{ "nrfcloud_mqtt_topic_prefix": state.desired.nrfcloud_mqtt_topic_prefix, "pairing": state.desired.pairing }`
 * and applications for paths such as `state.desired.config`. Supported: object and array
 * constructors, string / number / `true` / `false` / `null` literals, paths (`a.b`, `` `odd key` ``,
 * `$` the input, `$$` the root) that map over arrays as JSONata does, and parentheses. A key whose
 * value is undefined is left out, as in JSONata. Anything else is a TransformError, never a hang:
 * the expression is bounded in length and nesting.
 */
export class TransformError extends Error {}

type Node =
  | { t: 'lit'; v: JsonValue }
  | { t: 'path'; steps: Array<{ name: string } | { ctx: '$' | '$$' }> }
  | { t: 'obj'; pairs: Array<[Node, Node]> }
  | { t: 'arr'; items: Node[] };

type Token =
  | { k: 'punct'; v: string }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'name'; v: string; quoted: boolean };

const MAX_LENGTH = 4096;
const MAX_DEPTH = 32;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if ('{}[](),:.'.includes(c)) {
      out.push({ k: 'punct', v: c });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let raw = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') raw += text[j++];
        raw += text[j++] ?? '';
      }
      if (j >= text.length) throw new TransformError(`unterminated string at ${i}`);
      try {
        out.push({ k: 'str', v: JSON.parse(`"${c === "'" ? raw.replace(/"/g, '\\"') : raw}"`) as string });
      } catch {
        throw new TransformError(`bad escape in the string at ${i}`);
      }
      i = j + 1;
    } else if (c === '`') {
      const j = text.indexOf('`', i + 1);
      if (j < 0) throw new TransformError(`unterminated name at ${i}`);
      out.push({ k: 'name', v: text.slice(i + 1, j), quoted: true });
      i = j + 1;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) throw new TransformError(`unexpected ${JSON.stringify(c)} at ${i}`);
      out.push({ k: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^\$\$|^\$|^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      out.push({ k: 'name', v: m[0], quoted: false });
      i += m[0].length;
    } else {
      throw new TransformError(`unsupported character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return out;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.expr(0);
    if (this.at < this.tokens.length) throw new TransformError('unsupported expression after the first term');
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private punct(v: string): boolean {
    const t = this.peek();
    if (t?.k === 'punct' && t.v === v) {
      this.at++;
      return true;
    }
    return false;
  }

  private expect(v: string): void {
    if (!this.punct(v)) throw new TransformError(`expected "${v}"`);
  }

  private expr(depth: number): Node {
    if (depth > MAX_DEPTH) throw new TransformError(`nested deeper than ${MAX_DEPTH} levels`);
    const t = this.peek();
    if (!t) throw new TransformError('the expression ends too early');
    if (this.punct('(')) {
      const inner = this.expr(depth + 1);
      this.expect(')');
      return inner;
    }
    if (this.punct('{')) {
      const pairs: Array<[Node, Node]> = [];
      if (!this.punct('}')) {
        do {
          const key = this.expr(depth + 1);
          this.expect(':');
          pairs.push([key, this.expr(depth + 1)]);
        } while (this.punct(','));
        this.expect('}');
      }
      return { t: 'obj', pairs };
    }
    if (this.punct('[')) {
      const items: Node[] = [];
      if (!this.punct(']')) {
        do items.push(this.expr(depth + 1));
        while (this.punct(','));
        this.expect(']');
      }
      return { t: 'arr', items };
    }
    this.at++;
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'num') return { t: 'lit', v: t.v };
    if (t.k === 'punct') throw new TransformError(`unexpected "${t.v}"`);
    if (!t.quoted && (t.v === 'true' || t.v === 'false')) return { t: 'lit', v: t.v === 'true' };
    if (!t.quoted && t.v === 'null') return { t: 'lit', v: null };
    const steps: Array<{ name: string } | { ctx: '$' | '$$' }> = [];
    steps.push(!t.quoted && (t.v === '$' || t.v === '$$') ? { ctx: t.v } : { name: t.v });
    while (this.punct('.')) {
      const n = this.peek();
      if (n?.k !== 'name' || (!n.quoted && n.v.startsWith('$')))
        throw new TransformError('expected a field name after "."');
      this.at++;
      steps.push({ name: n.v });
    }
    return { t: 'path', steps };
  }
}

function step(value: JsonValue | undefined, name: string): JsonValue | undefined {
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const v = step(item, name);
      if (v === undefined) continue;
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
  }
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, name)) return value[name];
  return undefined;
}

function evaluate(node: Node, input: JsonValue): JsonValue | undefined {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'arr':
      return node.items.map((n) => evaluate(n, input)).filter((v): v is JsonValue => v !== undefined);
    case 'obj': {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of node.pairs) {
        const key = evaluate(k, input);
        if (typeof key !== 'string') throw new TransformError('an object key must be a string');
        const value = evaluate(v, input);
        if (value !== undefined)
          Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'path': {
      let value: JsonValue | undefined = input;
      for (const s of node.steps) value = 'ctx' in s ? input : step(value, s.name);
      return value;
    }
  }
}

/** Evaluates `expression` against `input`; undefined when it selects nothing. */
export function evaluateTransform(expression: string, input: JsonValue): JsonValue | undefined {
  if (expression.length > MAX_LENGTH)
    throw new TransformError(`the expression is longer than ${MAX_LENGTH} characters`);
  return evaluate(new Parser(tokenize(expression)).parse(), input);
}
