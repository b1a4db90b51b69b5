/** `MQTTTopicFilterType_t`: a filter without wildcards is matched exactly, and first. */
export type TopicFilterType = 'simple' | 'wildcard' | 'invalid';

/**
 * `prvGetTopicFilterType` (aws_mqtt_lib.c): `+` must fill a whole level, `#` must be the last
 * level [MQTT-4.7.1-2, MQTT-4.7.1-3]. An empty filter is invalid [MQTT-4.7.3-1].
 */
export function topicFilterType(filter: string): TopicFilterType {
  if (filter.length === 0) return 'invalid';
  const levels = filter.split('/');
  let type: TopicFilterType = 'simple';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] ?? '';
    if (level === '+') type = 'wildcard';
    else if (level === '#') {
      if (i !== levels.length - 1) return 'invalid';
      type = 'wildcard';
    } else if (level.includes('+') || level.includes('#')) return 'invalid';
  }
  return type;
}

/**
 * `prvDoesTopicMatchTopicFilter`: MQTT matching, `sport/#` also matching `sport` and `sport/+`
 * matching `sport/` as the MQTT spec's examples say (§4.7.1.2, §4.7.1.3).
 */
export function topicMatchesFilter(topic: string, filter: string): boolean {
  const t = topic.split('/');
  const f = filter.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return t.length === f.length;
}
