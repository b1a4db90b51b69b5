import { ErrorCode, SimError } from '../../core/errors.js';

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface PolicyDocument {
  statements: PolicyStatement[];
}

function invalid(message: string): SimError {
  return new SimError(ErrorCode.POLICY_INVALID, `invalid policy document: ${message}`);
}

function stringList(value: unknown, field: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v): v is string => typeof v === 'string')) {
    throw invalid(`${field} must be a string or a non-empty array of strings`);
  }
  return list;
}

/**
 * Parses an AWS IoT JSON policy document (`{"Version":"2012-10-17","Statement":[…]}`). `Condition`
 * blocks are not evaluated by the stand-in and are refused rather than silently ignored.
 */
export function parsePolicyDocument(text: string): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('not a JSON object');
  const statementsRaw = (raw as { Statement?: unknown }).Statement;
  const list = Array.isArray(statementsRaw)
    ? statementsRaw
    : statementsRaw === undefined
      ? undefined
      : [statementsRaw];
  if (!list || list.length === 0) throw invalid('Statement is missing');
  const statements = list.map((s: unknown, i): PolicyStatement => {
    if (typeof s !== 'object' || s === null) throw invalid(`Statement[${i}] is not an object`);
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw invalid(`Statement[${i}].Effect must be "Allow" or "Deny"`);
    if (st.Condition !== undefined)
      throw invalid(`Statement[${i}].Condition is not supported by the stand-in`);
    return {
      effect: st.Effect,
      actions: stringList(st.Action, `Statement[${i}].Action`),
      resources: stringList(st.Resource, `Statement[${i}].Resource`),
    };
  });
  return { statements };
}
