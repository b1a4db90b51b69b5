/**
 * §2.1 topic layout: `$aws/things/{thing}/jobs/{get|start-next}` and
 * `$aws/things/{thing}/jobs/{jobId|$next}/{get|update}`, answered on `…/accepted` and `…/rejected`;
 * the service pushes `…/jobs/notify` and `…/jobs/notify-next`.
 */

export type JobsOperation = 'get-pending' | 'start-next' | 'describe' | 'update';

export type JobsTopic =
  | { kind: 'request'; thingName: string; operation: JobsOperation; jobId?: string }
  /** A topic in the jobs namespace that maps to no operation: answered with InvalidTopic. */
  | { kind: 'unknown'; thingName: string }
  /** Response and notification topics (the service's own output): not requests. */
  | { kind: 'ignored' };

/** The server-side subscription that sees every publish in the jobs namespace. */
export const JOBS_REQUEST_FILTER = '$aws/things/+/jobs/#';

const THING = /^[a-zA-Z0-9:_-]{1,128}$/;

export function parseJobsTopic(topic: string): JobsTopic {
  const levels = topic.split('/');
  if (levels[0] !== '$aws' || levels[1] !== 'things' || levels[3] !== 'jobs') return { kind: 'ignored' };
  const thingName = levels[2] ?? '';
  const rest = levels.slice(4);
  const last = rest[rest.length - 1];
  if (!THING.test(thingName) || rest.length === 0) return { kind: 'ignored' };
  if (last === 'accepted' || last === 'rejected') return { kind: 'ignored' };
  if (rest.length === 1 && (rest[0] === 'notify' || rest[0] === 'notify-next')) return { kind: 'ignored' };
  if (rest.length === 1 && rest[0] === 'get') return { kind: 'request', thingName, operation: 'get-pending' };
  if (rest.length === 1 && rest[0] === 'start-next')
    return { kind: 'request', thingName, operation: 'start-next' };
  if (rest.length === 2 && (rest[1] === 'get' || rest[1] === 'update')) {
    return {
      kind: 'request',
      thingName,
      operation: rest[1] === 'get' ? 'describe' : 'update',
      jobId: rest[0] ?? '',
    };
  }
  return { kind: 'unknown', thingName };
}

export function jobsPrefix(thingName: string): string {
  return `$aws/things/${thingName}/jobs`;
}
