import { ErrorCode, SimError } from '../../core/errors.js';
import type { ThingGroupRecord } from '../registry/types.js';
import type { ApiRequest, ApiRoute, BrokerService, ServiceContext } from './service.js';

/**
 * The console's static thing groups (CreateThingGroup, AddThingToThingGroup, …), which jobs can
 * target. Membership changes reach continuous jobs through the registry's `membership` event.
 */
export class ThingGroupsApiService implements BrokerService {
  readonly name = 'thing-groups';
  private ctx: ServiceContext | undefined;

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
  }

  private get context(): ServiceContext {
    if (!this.ctx)
      throw new SimError(ErrorCode.INVALID_STATE, 'the thing groups service has not been started');
    return this.ctx;
  }

  private view(group: ThingGroupRecord): Record<string, unknown> {
    const { region, accountId } = this.context.config;
    return {
      thingGroupName: group.thingGroupName,
      thingGroupArn: `arn:aws:iot:${region}:${accountId}:thinggroup/${group.thingGroupName}`,
      things: group.things,
      creationDate: group.creationDate / 1000,
    };
  }

  routes(): ApiRoute[] {
    const r = () => this.context.registry;
    const p = (req: ApiRequest, name: string): string => req.params[name] ?? '';
    return [
      {
        method: 'GET',
        path: '/thing-groups',
        handler: async () => ({
          body: { thingGroups: (await r().listThingGroups()).map((g) => this.view(g)) },
        }),
      },
      {
        method: 'POST',
        path: '/thing-groups/:group',
        handler: async (q) => ({ status: 201, body: this.view(await r().createThingGroup(p(q, 'group'))) }),
      },
      {
        method: 'GET',
        path: '/thing-groups/:group',
        handler: async (q) => {
          const group = await r().getThingGroup(p(q, 'group'));
          if (!group) throw new SimError(ErrorCode.NOT_FOUND, `thing group ${p(q, 'group')} does not exist`);
          return { body: this.view(group) };
        },
      },
      {
        method: 'DELETE',
        path: '/thing-groups/:group',
        handler: async (q) => (await r().deleteThingGroup(p(q, 'group')), { body: {} }),
      },
      {
        method: 'PUT',
        path: '/thing-groups/:group/things/:thing',
        handler: async (q) => (await r().addThingToThingGroup(p(q, 'group'), p(q, 'thing')), { body: {} }),
      },
      {
        method: 'DELETE',
        path: '/thing-groups/:group/things/:thing',
        handler: async (q) => (
          await r().removeThingFromThingGroup(p(q, 'group'), p(q, 'thing')),
          { body: {} }
        ),
      },
    ];
  }
}
