/**
 * The MQTT task's identity. Every agent callback runs "in the MQTT task"; an agent call made from
 * there (synchronously, inside the callback) would wait on the task that has to serve it, so it is
 * refused with eMQTTAgentAPICalledFromCallback, as `prvSendCommandToMQTTTask` compares the caller
 * with `xMQTTTaskHandle`. The one MQTT task serves every agent, so a callback of one agent cannot
 * call another either.
 */
let depth = 0;

/** True while an agent callback is running. */
export function inMqttTask(): boolean {
  return depth > 0;
}

/**
 * Runs application code as the MQTT task runs callbacks. An exception does not take the agent's
 * loop down: it goes to `onError` and `fallback` stands for the callback's result.
 */
export function runInMqttTask<T>(fn: () => T, fallback: T, onError: (err: unknown) => void): T {
  depth++;
  try {
    return fn();
  } catch (err) {
    onError(err);
    return fallback;
  } finally {
    depth--;
  }
}
