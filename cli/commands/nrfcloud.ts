import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { registerNrfCloudFota } from './nrfcloud-fota.js';
import { common, enc, parseJson, withApi, type CommonOptions } from './nrfcloud-common.js';

interface Device {
  id: string;
  name: string;
  state?: { desired?: { pairing?: { state?: string } }; reported?: unknown; version?: number };
}

interface Message {
  deviceId: string;
  receivedAt: string;
  topic: string;
  message: unknown;
}

export function registerNrfCloud(program: Command, env: CliEnv): void {
  const nrf = program
    .command('nrfcloud')
    .description(
      'the local nRF Cloud: devices, association, shadows, messages, firmware bundles and FOTA jobs (through its REST API)',
    );

  common(nrf.command('account').description('the team: MQTT endpoint, topic prefix, tenant id')).action(
    (o: CommonOptions) =>
      withApi(env, o, async (api, out) => {
        const a = await api.request<{
          mqttEndpoint: string;
          mqttTopicPrefix: string;
          team: { tenantId: string; name: string };
        }>('GET', '/v1/account');
        out.event(
          'account',
          a,
          `team ${a.team.name} (${a.team.tenantId}), endpoint ${a.mqttEndpoint}, topic prefix ${a.mqttTopicPrefix}`,
        );
      }),
  );

  common(
    nrf
      .command('devices')
      .description("list the team's devices and their association")
      .option('--limit <n>', 'at most this many', '100'),
  ).action((o: CommonOptions & { limit: string }) =>
    withApi(env, o, async (api, out) => {
      const page = await api.request<{ items: Device[]; total: number }>(
        'GET',
        `/v1/devices?includeState=true&pageLimit=${enc(o.limit)}`,
      );
      for (const d of page.items) {
        const association = d.state?.desired?.pairing?.state ?? 'unknown';
        out.event(
          'device',
          { id: d.id, name: d.name, association, version: d.state?.version },
          `${d.id}  ${association}`,
        );
      }
      if (!out.json && page.items.length === 0) out.event('devices', { total: 0 }, 'no devices');
    }),
  );

  common(nrf.command('device').description('show one device with its shadow').argument('<deviceId>')).action(
    (id: string, o: CommonOptions) =>
      withApi(env, o, async (api, out) => {
        const d = await api.request<Device>('GET', `/v1/devices/${enc(id)}`);
        out.event('device', d as unknown as Record<string, unknown>, JSON.stringify(d, null, 2));
      }),
  );

  common(
    nrf
      .command('onboard')
      .description('add a device with its certificate (POST /v1/devices/{id})')
      .argument('<deviceId>')
      .requiredOption('--cert <file>', 'PEM certificate of the device'),
  ).action((id: string, o: CommonOptions & { cert: string }) =>
    withApi(env, o, async (api, out) => {
      await api.request('POST', `/v1/devices/${enc(id)}`, { certificate: await readFile(o.cert, 'utf8') });
      out.event('onboarded', { deviceId: id }, `device ${id} onboarded (not_associated until associated)`);
    }),
  );

  for (const [name, method, verb] of [
    ['associate', 'PUT', 'associated'],
    ['disassociate', 'DELETE', 'disassociated'],
  ] as const) {
    common(
      nrf
        .command(name)
        .description(
          `${name} a device ${name === 'associate' ? 'to' : 'from'} the team (${method} /v1/association/{id})`,
        )
        .argument('<deviceId>'),
    ).action((id: string, o: CommonOptions) =>
      withApi(env, o, async (api, out) => {
        await api.request(method, `/v1/association/${enc(id)}`);
        out.event(
          verb,
          { deviceId: id, running: api.running },
          `device ${id} ${verb}${api.running ? '' : ' (broker not running: the device hears of it when it connects)'}`,
        );
      }),
    );
  }

  common(
    nrf.command('delete').description('delete a device: it gets the DISCON message').argument('<deviceId>'),
  ).action((id: string, o: CommonOptions) =>
    withApi(env, o, async (api, out) => {
      await api.request('DELETE', `/v1/devices/${enc(id)}`);
      out.event('deleted', { deviceId: id }, `device ${id} deleted`);
    }),
  );

  common(
    nrf
      .command('shadow')
      .description(
        'print a device shadow, or change it with --desired / --reported (PATCH /v1/devices/{id}/state)',
      )
      .argument('<deviceId>')
      .option('--desired <json>', 'desired state to merge (null deletes a key)')
      .option('--reported <json>', 'reported state to merge'),
  ).action((id: string, o: CommonOptions & { desired?: string; reported?: string }) =>
    withApi(env, o, async (api, out) => {
      if (o.desired !== undefined || o.reported !== undefined) {
        await api.request('PATCH', `/v1/devices/${enc(id)}/state`, {
          ...(o.desired !== undefined ? { desired: parseJson(o.desired, '--desired') } : {}),
          ...(o.reported !== undefined ? { reported: parseJson(o.reported, '--reported') } : {}),
        });
      }
      const d = await api.request<Device>('GET', `/v1/devices/${enc(id)}`);
      out.event('shadow', { deviceId: id, state: d.state }, JSON.stringify(d.state ?? {}, null, 2));
    }),
  );

  common(
    nrf
      .command('messages')
      .description('device messages, newest first (GET /v1/messages)')
      .option('--device <id>', 'only this device')
      .option('--app-id <appId>', 'only this appId (TEMP, GNSS, …)')
      .option('--limit <n>', 'at most this many (1-100)', '20'),
  ).action((o: CommonOptions & { device?: string; appId?: string; limit: string }) =>
    withApi(env, o, async (api, out) => {
      const q = new URLSearchParams({
        pageLimit: o.limit,
        ...(o.device ? { deviceId: o.device } : {}),
        ...(o.appId ? { appId: o.appId } : {}),
      });
      const page = await api.request<{ items: Message[]; total: number }>(
        'GET',
        `/v1/messages?${q.toString()}`,
      );
      for (const m of page.items)
        out.event(
          'message',
          m as unknown as Record<string, unknown>,
          `${m.receivedAt}  ${m.deviceId}  ${JSON.stringify(m.message)}`,
        );
      if (!out.json) out.event('messages', { total: page.total }, `(${page.items.length} of ${page.total})`);
    }),
  );

  common(
    nrf
      .command('send')
      .description('send a cloud-to-device message (on …/c2d/r)')
      .argument('<deviceId>')
      .argument('<json>', 'the message, e.g. {"appId":"LED","messageType":"CMD","data":"on"}'),
  ).action((id: string, json: string, o: CommonOptions) =>
    withApi(env, o, async (api, out) => {
      await api.request('POST', `/v1/devices/${enc(id)}/messages`, parseJson(json, 'the message'));
      out.event(
        'sent',
        { deviceId: id, running: api.running },
        api.running ? `sent to ${id}` : `broker not running: nothing was sent to ${id}`,
      );
    }),
  );

  registerNrfCloudFota(nrf, env);
}
