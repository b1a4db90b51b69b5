import { ErrorCode, SimError } from '../../core/errors.js';
import type { JsonObject } from '../services/shadow/json.js';
import { deviceTopics } from './topics.js';
import type { AssociationState } from './types.js';

export type AssociationEvent = 'associate' | 'disassociate';

export interface AssociationStep {
  state: AssociationState;
  /** False when the event left the state as it was (associating a paired device). */
  changed: boolean;
}

/**
 * The association state machine of an nRF Cloud device (cloud-services.md §4.4): a device JITP or
 * onboarding creates is `not_associated`; associating it to the team pairs it; disassociating
 * (nRF Cloud's deprecated DissociateDevice) returns it. Deleting removes the record altogether.
 * The one transition function: associating a paired device, or disassociating one that is not
 * paired, changes nothing.
 */
export function associationTransition(state: AssociationState, event: AssociationEvent): AssociationStep {
  switch (event) {
    case 'associate':
      return { state: 'paired', changed: state !== 'paired' };
    case 'disassociate':
      return { state: 'not_associated', changed: state !== 'not_associated' };
    default:
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `unknown association event ${String(event)}`);
  }
}

/**
 * What nRF Cloud writes in `state.desired` for each state. A paired device finds its topic prefix and
 * data topics there; the c2d topic is the legacy `…/c2d` form, which current NCS rewrites to `…/+/r`
 * and reports back. A device that is not associated sees the prefix and topics cleared.
 */
export function desiredForAssociation(state: AssociationState, prefix: string, deviceId: string): JsonObject {
  if (state === 'paired') {
    const t = deviceTopics(prefix, deviceId);
    return {
      nrfcloud_mqtt_topic_prefix: prefix,
      pairing: { state: 'paired', topics: { d2c: t.d2c, c2d: `${prefix}m/d/${deviceId}/c2d` } },
    };
  }
  return { nrfcloud_mqtt_topic_prefix: null, pairing: { state: 'not_associated', topics: null } };
}
