import type { ThingGroupRecord } from '../../registry/types.js';
import { invalidRequest, notFound } from '../aws-error.js';
import { arn, page, seconds, stableId, stringField, type AwsApiContext } from '../aws-context.js';
import type { AwsRequest, AwsRoute } from '../aws-router.js';

/** Static thing groups, flat (no parents): CreateThingGroup … ListThingGroupsForThing. */
export function thingGroupRoutes(ctx: AwsApiContext): AwsRoute[] {
  const registry = () => ctx.service.registry;
  const groupArn = (name: string): string => arn(ctx, `thinggroup/${name}`);
  const groupId = (g: ThingGroupRecord): string => stableId('thinggroup', g.thingGroupName, g.creationDate);
  const requireGroup = async (name: string): Promise<ThingGroupRecord> => {
    const g = await registry().getThingGroup(name);
    if (!g) throw notFound(`Thing group ${name} does not exist`);
    return g;
  };
  const nameOf = (req: AwsRequest): string => req.params.thingGroupName ?? '';
  /** AddThingToThingGroup names the group and thing by name or by ARN. */
  const member = (body: Record<string, unknown>): { group: string; thing: string } => {
    const group =
      stringField(body, 'thingGroupName') ??
      /:thinggroup\/(.+)$/.exec(stringField(body, 'thingGroupArn') ?? '')?.[1];
    const thing =
      stringField(body, 'thingName') ?? /:thing\/(.+)$/.exec(stringField(body, 'thingArn') ?? '')?.[1];
    if (!group) throw invalidRequest('thingGroupName or thingGroupArn is required');
    if (!thing) throw invalidRequest('thingName or thingArn is required');
    return { group, thing };
  };
  const summary = (name: string) => ({ groupName: name, groupArn: groupArn(name) });
  return [
    {
      api: 'iot',
      method: 'POST',
      path: '/thing-groups/{thingGroupName}',
      operation: 'CreateThingGroup',
      handler: async (req) => {
        if (req.json().parentGroupName !== undefined)
          throw invalidRequest('the stand-in keeps thing groups flat; parentGroupName is not supported');
        const g = await registry().createThingGroup(nameOf(req));
        return {
          json: {
            thingGroupName: g.thingGroupName,
            thingGroupArn: groupArn(g.thingGroupName),
            thingGroupId: groupId(g),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/thing-groups/{thingGroupName}',
      operation: 'DescribeThingGroup',
      handler: async (req) => {
        const g = await requireGroup(nameOf(req));
        return {
          json: {
            thingGroupName: g.thingGroupName,
            thingGroupId: groupId(g),
            thingGroupArn: groupArn(g.thingGroupName),
            version: 1,
            thingGroupProperties: {},
            thingGroupMetadata: { rootToParentThingGroups: [], creationDate: seconds(g.creationDate) },
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'DELETE',
      path: '/thing-groups/{thingGroupName}',
      operation: 'DeleteThingGroup',
      handler: async (req) => {
        if (await registry().getThingGroup(nameOf(req))) await registry().deleteThingGroup(nameOf(req));
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/thing-groups',
      operation: 'ListThingGroups',
      handler: async (req) => {
        const prefix = req.query.get('namePrefixFilter') ?? '';
        const names = (await registry().listThingGroups())
          .map((g) => g.thingGroupName)
          .filter((n) => n.startsWith(prefix));
        const { items, next } = page(names, req.query);
        return { json: { thingGroups: items.map(summary), ...(next ? { nextToken: next } : {}) } };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/thing-groups/addThingToThingGroup',
      operation: 'AddThingToThingGroup',
      handler: async (req) => {
        const { group, thing } = member(req.json());
        await registry().addThingToThingGroup(group, thing);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/thing-groups/removeThingFromThingGroup',
      operation: 'RemoveThingFromThingGroup',
      handler: async (req) => {
        const { group, thing } = member(req.json());
        await registry().removeThingFromThingGroup(group, thing);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/thing-groups/{thingGroupName}/things',
      operation: 'ListThingsInThingGroup',
      handler: async (req) => {
        const g = await requireGroup(nameOf(req));
        const { items, next } = page(g.things, req.query);
        return { json: { things: items, ...(next ? { nextToken: next } : {}) } };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/things/{thingName}/thing-groups',
      operation: 'ListThingGroupsForThing',
      handler: async (req) => {
        const thing = req.params.thingName ?? '';
        if (!(await registry().getThing(thing))) throw notFound(`Thing ${thing} cannot be found.`);
        const { items, next } = page(await registry().thingGroupsOf(thing), req.query);
        return { json: { thingGroups: items.map(summary), ...(next ? { nextToken: next } : {}) } };
      },
    },
  ];
}
