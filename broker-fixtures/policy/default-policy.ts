/** The policy `things add` attaches unless told otherwise. */
export const DEFAULT_POLICY_NAME = 'nrf91sim-thing';

/**
 * A thing may connect only with its own name as client id and use only its own topics: its
 * shadows and jobs under `$aws/things/<name>/` and its own `<name>/…` namespace. No device can read
 * or write another thing's shadow or jobs.
 */
export function defaultThingPolicy(region: string, accountId: string): string {
  const arn = `arn:aws:iot:${region}:${accountId}`;
  const thing = '${iot:Connection.Thing.ThingName}';
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/${thing}` },
        {
          Effect: 'Allow',
          Action: ['iot:Publish', 'iot:Receive'],
          Resource: [`${arn}:topic/$aws/things/${thing}/*`, `${arn}:topic/${thing}/*`],
        },
        {
          Effect: 'Allow',
          Action: 'iot:Subscribe',
          Resource: [`${arn}:topicfilter/$aws/things/${thing}/*`, `${arn}:topicfilter/${thing}/*`],
        },
      ],
    },
    null,
    2,
  );
}
