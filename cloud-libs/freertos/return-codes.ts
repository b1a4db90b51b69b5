/**
 * `MQTTAgentReturnCode_t` (aws_mqtt_agent.h): what every MQTT agent call resolves to. Protocol
 * outcomes (a refused subscription, a lost connection, no answer in time) are return codes, never
 * exceptions, as in the C API.
 */
export type MQTTAgentReturnCode =
  | 'eMQTTAgentSuccess'
  | 'eMQTTAgentFailure'
  | 'eMQTTAgentTimeout'
  /** The call came from inside an agent callback, which runs in the MQTT task: it would deadlock. */
  | 'eMQTTAgentAPICalledFromCallback';

/** The C enum's numeric values, for logs that print `%d`. */
export const MQTT_AGENT_RETURN_CODE_VALUE: Readonly<Record<MQTTAgentReturnCode, number>> = {
  eMQTTAgentSuccess: 0,
  eMQTTAgentFailure: 1,
  eMQTTAgentTimeout: 2,
  eMQTTAgentAPICalledFromCallback: 3,
};

/**
 * `ShadowReturnCode_t` (aws_shadow.h, an int16): negative values are jsmn parse errors of a rejected
 * document, 0 success, 1–3 local outcomes, 400–500 the Shadow service's rejection code passed
 * through from the `/rejected` topic.
 */
export const ShadowReturnCode = {
  eShadowJSMNPart: -3,
  eShadowJSMNInval: -2,
  eShadowJSMNNoMem: -1,
  eShadowSuccess: 0,
  /** At least one step did not finish in time; the service may still have accepted the request. */
  eShadowTimeout: 1,
  eShadowFailure: 2,
  eShadowUnknown: 3,
  eShadowRejectedBadRequest: 400,
  eShadowRejectedUnauthorized: 401,
  eShadowRejectedForbidden: 403,
  eShadowRejectedNotFound: 404,
  eShadowRejectedConflict: 409,
  eShadowRejectedPayloadTooLarge: 413,
  eShadowRejectedUnsupportedMediaType: 415,
  eShadowRejectedTooManyRequests: 429,
  eShadowRejectedInternalServerError: 500,
} as const;

export type ShadowReturnCodeName = keyof typeof ShadowReturnCode;

/**
 * A Shadow return code. Rejections carry the service's `code` as it came, so a value outside the
 * named ones (another 4xx) is passed through too: the C type is a plain int16.
 */
export type ShadowReturnCode = (typeof ShadowReturnCode)[ShadowReturnCodeName] | (number & {});

const NAMES = new Map<number, ShadowReturnCodeName>(
  Object.entries(ShadowReturnCode).map(([name, value]) => [value, name as ShadowReturnCodeName]),
);

/** The `eShadow…` name of a code, or undefined for a rejection code aws_shadow.h does not name. */
export function shadowReturnCodeName(code: number): ShadowReturnCodeName | undefined {
  return NAMES.get(code);
}

/** True for a code the Shadow service sent on a `/rejected` topic (400–599). */
export function isShadowRejection(code: number): boolean {
  return code >= 400 && code < 600;
}

/** True for a jsmn parse error (the rejected document could not be read). */
export function isShadowJsonError(code: number): boolean {
  return code < 0;
}

/**
 * `prvConvertMQTTReturnCode` (aws_shadow.c): an agent result as a Shadow result. Anything but
 * success or timeout, including a call from a callback, is a failure.
 */
export function shadowCodeFromAgent(code: MQTTAgentReturnCode): ShadowReturnCode {
  if (code === 'eMQTTAgentSuccess') return ShadowReturnCode.eShadowSuccess;
  if (code === 'eMQTTAgentTimeout') return ShadowReturnCode.eShadowTimeout;
  return ShadowReturnCode.eShadowFailure;
}
