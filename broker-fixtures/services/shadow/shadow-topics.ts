/** §1.1 topic layout: `$aws/things/{thing}/shadow[/name/{shadow}]/{operation}[/{response}]`. */

export type ShadowOperation = 'get' | 'update' | 'delete';

export interface ShadowAddress {
  thingName: string;
  /** Undefined for the classic (unnamed) shadow. */
  shadowName?: string;
}

const THING = '[a-zA-Z0-9:_-]{1,128}';
const SHADOW = '[a-zA-Z0-9:_-]{1,64}';
const REQUEST = new RegExp(`^\\$aws/things/(${THING})/shadow(?:/name/(${SHADOW}))?/(get|update|delete)$`);

/** Server-side subscription filters that see every shadow request (and no response). */
export const SHADOW_REQUEST_FILTERS = ['$aws/things/+/shadow/+', '$aws/things/+/shadow/name/+/+'];

export function parseShadowRequestTopic(
  topic: string,
): (ShadowAddress & { operation: ShadowOperation }) | undefined {
  const m = REQUEST.exec(topic);
  if (!m?.[1] || !m[3]) return undefined;
  return { thingName: m[1], ...(m[2] ? { shadowName: m[2] } : {}), operation: m[3] as ShadowOperation };
}

export function shadowPrefix(address: ShadowAddress): string {
  return address.shadowName === undefined
    ? `$aws/things/${address.thingName}/shadow`
    : `$aws/things/${address.thingName}/shadow/name/${address.shadowName}`;
}

export function isValidShadowAddress(address: ShadowAddress): boolean {
  return (
    new RegExp(`^${THING}$`).test(address.thingName) &&
    (address.shadowName === undefined || new RegExp(`^${SHADOW}$`).test(address.shadowName))
  );
}

/** The store key: the thing name for the classic shadow, `thing/name` for a named one. */
export function shadowKey(address: ShadowAddress): string {
  return address.shadowName === undefined ? address.thingName : `${address.thingName}/${address.shadowName}`;
}
