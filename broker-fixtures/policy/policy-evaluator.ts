import type { PolicyDocument } from './policy-document.js';

/** The MQTT-side actions the broker checks. */
export type IotAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive' | 'iot:RetainPublish';

/** What policy variables resolve to for one connection. */
export interface PolicyVariables {
  clientId: string;
  /** Set only when a thing named like the client id is attached to the certificate. */
  thingName?: string;
  thingAttributes?: Record<string, string>;
  certificateId: string;
  subjectCommonName?: string;
  region: string;
  accountId: string;
}

/** Resource ARN suffix per action: `client/<id>`, `topic/<topic>`, `topicfilter/<filter>`. */
export function resourceFor(action: IotAction, name: string): string {
  if (action === 'iot:Connect') return `client/${name}`;
  if (action === 'iot:Subscribe') return `topicfilter/${name}`;
  return `topic/${name}`;
}

const ACTIONS: IotAction[] = [
  'iot:Connect',
  'iot:Publish',
  'iot:Subscribe',
  'iot:Receive',
  'iot:RetainPublish',
];

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** IAM glob: `*` any run of characters (slashes included), `?` one character. */
function globToRegex(pattern: string): string {
  return pattern
    .split(/([*?])/)
    .map((part) => (part === '*' ? '.*' : part === '?' ? '.' : escapeRegex(part)))
    .join('');
}

/**
 * Replaces policy variables; returns undefined when one cannot be resolved, which makes the
 * resource match nothing (AWS IoT: an unresolved thing variable never matches).
 * `${*}`, `${?}` and `${$}` stand for the literal characters.
 */
function substitute(pattern: string, vars: PolicyVariables): string | undefined {
  let unresolved = false;
  const literal = (c: string): string => `\uE000${c}\uE000`;
  const out = pattern.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    const attr = /^iot:Connection\.Thing\.Attributes\[(.+)\]$/.exec(name);
    if (name === '*' || name === '?' || name === '$') return literal(name);
    let value: string | undefined;
    if (name === 'iot:ClientId') value = vars.clientId;
    else if (name === 'iot:Connection.Thing.ThingName') value = vars.thingName;
    else if (name === 'iot:Connection.Thing.IsAttached')
      value = vars.thingName !== undefined ? 'true' : 'false';
    else if (name === 'iot:Certificate.Subject.CommonName') value = vars.subjectCommonName;
    else if (attr?.[1]) value = vars.thingAttributes?.[attr[1]];
    if (value === undefined) unresolved = true;
    // A variable's value is literal text: a client id containing `*` must not become a wildcard.
    return (value ?? '').replace(/[*?]/g, (c) => literal(c));
  });
  return unresolved ? undefined : out;
}

function toRegexSource(substituted: string): string {
  return substituted
    .split(/(\uE000[*?$]\uE000)/)
    .map((part) => (part.startsWith('\uE000') ? escapeRegex(part.charAt(1)) : globToRegex(part)))
    .join('');
}

interface CompiledAction {
  allow: RegExp | undefined;
  deny: RegExp | undefined;
}

/**
 * The policies attached to one certificate, compiled for one connection: variables substituted
 * once, each action reduced to an allow and a deny expression. An explicit Deny wins; anything not
 * allowed is denied.
 */
export class CompiledPolicies {
  private readonly byAction = new Map<IotAction, CompiledAction>();
  private readonly arnPrefix: string;

  constructor(documents: readonly PolicyDocument[], vars: PolicyVariables) {
    this.arnPrefix = `arn:aws:iot:${vars.region}:${vars.accountId}:`;
    const parts = new Map<IotAction, { allow: string[]; deny: string[] }>(
      ACTIONS.map((a) => [a, { allow: [], deny: [] }]),
    );
    for (const doc of documents) {
      for (const st of doc.statements) {
        const actionRes = st.actions.map((a) => new RegExp(`^${globToRegex(a)}$`, 'i'));
        const resources = st.resources
          .map((r) => substitute(r, vars))
          .filter((r): r is string => r !== undefined)
          .map(toRegexSource);
        if (resources.length === 0) continue;
        for (const action of ACTIONS) {
          if (!actionRes.some((re) => re.test(action))) continue;
          parts.get(action)![st.effect === 'Allow' ? 'allow' : 'deny'].push(...resources);
        }
      }
    }
    for (const [action, { allow, deny }] of parts) {
      this.byAction.set(action, {
        allow: allow.length ? new RegExp(`^(?:${allow.join('|')})$`, 's') : undefined,
        deny: deny.length ? new RegExp(`^(?:${deny.join('|')})$`, 's') : undefined,
      });
    }
  }

  allows(action: IotAction, name: string): boolean {
    const compiled = this.byAction.get(action);
    if (!compiled?.allow) return false;
    const arn = this.arnPrefix + resourceFor(action, name);
    if (compiled.deny?.test(arn)) return false;
    return compiled.allow.test(arn);
  }
}
