/**
 * The topic helpers of the AWS IoT Device Shadow library (aws/Device-Shadow-for-AWS-IoT-embedded-sdk
 * `shadow.h`): pure functions that build and recognise Device Shadow topics, classic and named. They
 * do no I/O.
 */

/** `ShadowTopicStringType_t`. */
export type ShadowTopicStringType =
  | 'ShadowTopicStringTypeGet'
  | 'ShadowTopicStringTypeGetAccepted'
  | 'ShadowTopicStringTypeGetRejected'
  | 'ShadowTopicStringTypeDelete'
  | 'ShadowTopicStringTypeDeleteAccepted'
  | 'ShadowTopicStringTypeDeleteRejected'
  | 'ShadowTopicStringTypeUpdate'
  | 'ShadowTopicStringTypeUpdateAccepted'
  | 'ShadowTopicStringTypeUpdateRejected'
  | 'ShadowTopicStringTypeUpdateDocuments'
  | 'ShadowTopicStringTypeUpdateDelta';

/** `ShadowMessageType_t`: what arrives on a Shadow response topic. */
export type ShadowMessageType =
  | 'ShadowMessageTypeGetAccepted'
  | 'ShadowMessageTypeGetRejected'
  | 'ShadowMessageTypeDeleteAccepted'
  | 'ShadowMessageTypeDeleteRejected'
  | 'ShadowMessageTypeUpdateAccepted'
  | 'ShadowMessageTypeUpdateRejected'
  | 'ShadowMessageTypeUpdateDocuments'
  | 'ShadowMessageTypeUpdateDelta';

/** `ShadowStatus_t`. */
export type ShadowStatus =
  | 'SHADOW_SUCCESS'
  | 'SHADOW_FAIL'
  | 'SHADOW_BAD_PARAMETER'
  | 'SHADOW_BUFFER_TOO_SMALL'
  | 'SHADOW_THINGNAME_PARSE_FAILED'
  | 'SHADOW_MESSAGE_TYPE_PARSE_FAILED'
  | 'SHADOW_ROOT_PARSE_FAILED'
  | 'SHADOW_SHADOWNAME_PARSE_FAILED';

/** `SHADOW_NAME_CLASSIC`: the unnamed (classic) shadow. */
export const SHADOW_NAME_CLASSIC = '';
/** `SHADOW_THINGNAME_LENGTH_MAX`. */
export const SHADOW_THINGNAME_LENGTH_MAX = 128;
/** `SHADOW_NAME_LENGTH_MAX`. */
export const SHADOW_NAME_LENGTH_MAX = 64;

const PREFIX = '$aws/things/';
const CLASSIC_ROOT = '/shadow';
const NAMED_ROOT = '/shadow/name/';

const OPERATION: Readonly<Record<ShadowTopicStringType, string>> = {
  ShadowTopicStringTypeGet: '/get',
  ShadowTopicStringTypeGetAccepted: '/get/accepted',
  ShadowTopicStringTypeGetRejected: '/get/rejected',
  ShadowTopicStringTypeDelete: '/delete',
  ShadowTopicStringTypeDeleteAccepted: '/delete/accepted',
  ShadowTopicStringTypeDeleteRejected: '/delete/rejected',
  ShadowTopicStringTypeUpdate: '/update',
  ShadowTopicStringTypeUpdateAccepted: '/update/accepted',
  ShadowTopicStringTypeUpdateRejected: '/update/rejected',
  ShadowTopicStringTypeUpdateDocuments: '/update/documents',
  ShadowTopicStringTypeUpdateDelta: '/update/delta',
};

/** The message types in `extractShadowMessageType`'s table order. */
const MESSAGES: ReadonlyArray<[string, ShadowMessageType]> = [
  ['/get/accepted', 'ShadowMessageTypeGetAccepted'],
  ['/get/rejected', 'ShadowMessageTypeGetRejected'],
  ['/delete/accepted', 'ShadowMessageTypeDeleteAccepted'],
  ['/delete/rejected', 'ShadowMessageTypeDeleteRejected'],
  ['/update/accepted', 'ShadowMessageTypeUpdateAccepted'],
  ['/update/rejected', 'ShadowMessageTypeUpdateRejected'],
  ['/update/documents', 'ShadowMessageTypeUpdateDocuments'],
  ['/update/delta', 'ShadowMessageTypeUpdateDelta'],
];

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * `Shadow_AssembleTopicString`: the topic of `type` for `thingName`'s classic shadow, or its named
 * shadow `shadowName`. SHADOW_BAD_PARAMETER for an empty or too long thing name, a too long shadow
 * name or an unknown type; SHADOW_BUFFER_TOO_SMALL when `bufferSize` (bytes) cannot hold the topic.
 */
export function shadowAssembleTopicString(
  type: ShadowTopicStringType,
  thingName: string,
  shadowName: string = SHADOW_NAME_CLASSIC,
  bufferSize = Number.POSITIVE_INFINITY,
): { status: 'SHADOW_SUCCESS'; topic: string } | { status: ShadowStatus; topic?: undefined } {
  const operation = OPERATION[type] as string | undefined;
  const thingLength = bytes(thingName);
  if (
    operation === undefined ||
    thingLength === 0 ||
    thingLength > SHADOW_THINGNAME_LENGTH_MAX ||
    bytes(shadowName) > SHADOW_NAME_LENGTH_MAX
  ) {
    return { status: 'SHADOW_BAD_PARAMETER' };
  }
  const root = shadowName === SHADOW_NAME_CLASSIC ? CLASSIC_ROOT : `${NAMED_ROOT}${shadowName}`;
  const topic = `${PREFIX}${thingName}${root}${operation}`;
  if (bytes(topic) > bufferSize) return { status: 'SHADOW_BUFFER_TOO_SMALL' };
  return { status: 'SHADOW_SUCCESS', topic };
}

/** The topic of `type`, for code that knows its names are valid (the `SHADOW_TOPIC_STR_*` macros). */
export function shadowTopic(
  type: ShadowTopicStringType,
  thingName: string,
  shadowName = SHADOW_NAME_CLASSIC,
): string {
  return `${PREFIX}${thingName}${shadowName === '' ? CLASSIC_ROOT : NAMED_ROOT + shadowName}${OPERATION[type]}`;
}

export type ShadowTopicMatch =
  | { status: 'SHADOW_SUCCESS'; messageType: ShadowMessageType; thingName: string; shadowName: string }
  | { status: Exclude<ShadowStatus, 'SHADOW_SUCCESS'> };

/** The text up to the next `/`, if it is 1 to `max` bytes long (`validateName`). */
function nameAt(topic: string, from: number, max: number): string | undefined {
  const slash = topic.indexOf('/', from);
  if (slash <= from) return undefined;
  const name = topic.slice(from, slash);
  return bytes(name) > max ? undefined : name;
}

/**
 * `Shadow_MatchTopicString`: whether `topic` is a Shadow response topic, which one, and for which
 * thing and shadow (`shadowName` is SHADOW_NAME_CLASSIC for the classic shadow). The failure says
 * which part did not parse, as the library's statuses do.
 */
export function shadowMatchTopicString(topic: string): ShadowTopicMatch {
  if (topic.length === 0) return { status: 'SHADOW_BAD_PARAMETER' };
  if (!topic.startsWith(PREFIX)) return { status: 'SHADOW_FAIL' };
  const thingName = nameAt(topic, PREFIX.length, SHADOW_THINGNAME_LENGTH_MAX);
  if (thingName === undefined) return { status: 'SHADOW_THINGNAME_PARSE_FAILED' };
  let at = PREFIX.length + thingName.length;
  let shadowName = SHADOW_NAME_CLASSIC;
  if (topic.startsWith(NAMED_ROOT, at)) {
    at += NAMED_ROOT.length;
    const name = nameAt(topic, at, SHADOW_NAME_LENGTH_MAX);
    if (name === undefined) return { status: 'SHADOW_SHADOWNAME_PARSE_FAILED' };
    shadowName = name;
    at += name.length;
  } else if (topic.startsWith(CLASSIC_ROOT, at)) {
    at += CLASSIC_ROOT.length;
  } else {
    return { status: 'SHADOW_ROOT_PARSE_FAILED' };
  }
  const rest = topic.slice(at);
  const hit = MESSAGES.find(([suffix]) => suffix === rest);
  if (!hit) return { status: 'SHADOW_MESSAGE_TYPE_PARSE_FAILED' };
  return { status: 'SHADOW_SUCCESS', messageType: hit[1], thingName, shadowName };
}
