/**
 * AWS IoT Core's MQTT 5 limits as aedes 2 options (AWS IoT Core quotas, "message broker and
 * protocol limits"): at most 8 topic aliases a client may set, 100 unacknowledged QoS 1 publishes
 * in flight towards the broker, and persistent sessions kept at most one hour after a disconnect
 * (AWS's default session expiry). aedes advertises the first two in CONNACK and clamps a longer
 * requested Session Expiry Interval, telling the client the value it got.
 *
 * The values are recalled from the quotas page, not re-verified. aedes' typings (2.0.0-beta.1) do
 * not list these options yet; the names are those of its code.
 */
export const AWS_MQTT5_LIMITS = {
  topicAliasMaximum: 8,
  receiveMaximum: 100,
  sessionExpiryIntervalLimit: 3600,
} as const;
