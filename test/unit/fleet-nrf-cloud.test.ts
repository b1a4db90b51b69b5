import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../broker-fixtures/nrf-cloud/rest/csv.js';
import {
  FLEET_APPS,
  fleetSpecs,
  parseDeviceSpec,
  type DeviceSpec,
  type FleetBroker,
} from '../../fleet/index.js';
import { onboardingCsv } from '../../fleet/nrf-cloud.js';

function broker(nrfCloud: FleetBroker['nrfCloud'], host = '127.0.0.1'): FleetBroker {
  return {
    endpoint: 'local-ats.iot.eu-west-1.amazonaws.com',
    host,
    mqttPort: 41000,
    caPem: '-----BEGIN CERTIFICATE-----\n',
    started: true,
    fixtures: undefined,
    nrfCloud,
    request: () => Promise.reject(new Error('no console')),
    close: () => Promise.resolve(),
  };
}

const nrfCloud = {
  endpoint: 'mqtt.nrfcloud.com',
  host: '127.0.0.2',
  mqttPort: 42000,
  sniPort: 41000,
  apiUrl: 'http://127.0.0.2:42001',
  apiKey: 'k',
  caFile: '/x/ca.crt',
  tenantId: 't',
  topicPrefix: 'prod/t/',
  downloadHost: 'firmware.nrfcloud.com',
  downloadPort: 42002,
};

describe('the nrf-cloud-ca credential recipe', () => {
  const spec: DeviceSpec = {
    name: 'fleet-0',
    credentials: { kind: 'nrf-cloud-ca', secTag: 16842753 },
    image: { app: 'nrf_cloud', version: '1.0.0', config: { port: 41000 } },
  };

  it('survives a worker message unchanged', () => {
    expect(parseDeviceSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(parseDeviceSpec(structuredClone(spec))).toEqual(spec);
  });

  it('keeps nothing but its sec tag: no thing name, no PEM rides in a spec', () => {
    const parsed = parseDeviceSpec({
      ...spec,
      credentials: { kind: 'nrf-cloud-ca', secTag: 16842753, thingName: 'x', caPem: 'y' },
    });
    expect(parsed.credentials).toEqual({ kind: 'nrf-cloud-ca', secTag: 16842753 });
  });

  it('refuses a missing or bad sec tag, naming the field', () => {
    for (const secTag of [undefined, -1, 2147483648, 1.5, '16842753']) {
      expect(() => parseDeviceSpec({ ...spec, credentials: { kind: 'nrf-cloud-ca', secTag } })).toThrow(
        /credentials\.secTag must be an integer/,
      );
    }
  });

  it('is named among the kinds an unknown kind is told', () => {
    expect(() => parseDeviceSpec({ ...spec, credentials: { kind: 'jitp' } })).toThrow(
      /use fleet-ca, nrf-cloud-ca, pem or none/,
    );
  });
});

describe('FLEET_APPS.nrf_cloud', () => {
  it('needs the local nRF Cloud and runs the sample on its SNI port with the DK sec tag', () => {
    const app = FLEET_APPS.nrf_cloud!;
    expect(app.nrfCloud).toBe(true);
    const setup = app.setup(broker(nrfCloud, '127.0.0.2'));
    expect(setup.credentials).toEqual({ kind: 'nrf-cloud-ca', secTag: 16842753 });
    expect(setup.image).toMatchObject({
      app: 'nrf_cloud',
      config: { host: 'mqtt.nrfcloud.com', port: 41000, secTag: 16842753 },
    });
    // No client id in the image: each device is nrf-<IMEI>.
    expect(setup.image.config).not.toHaveProperty('clientId');
    expect(setup.dns).toEqual({ 'mqtt.nrfcloud.com': '127.0.0.2' });
    // Its specs are valid, one image for the fleet.
    const specs = fleetSpecs({ count: 3, image: setup.image, credentials: setup.credentials });
    expect(specs.map((s) => s.credentials.kind)).toEqual(['nrf-cloud-ca', 'nrf-cloud-ca', 'nrf-cloud-ca']);
  });

  it('uses the dedicated listener when the broker has no SNI port', () => {
    const { sniPort: _, ...dedicated } = nrfCloud;
    expect(FLEET_APPS.nrf_cloud!.setup(broker(dedicated)).image.config.port).toBe(42000);
  });

  it('refuses a broker without nRF Cloud', () => {
    expect(() => FLEET_APPS.nrf_cloud!.setup(broker(undefined))).toThrow(/no nRF Cloud stand-in/);
  });

  it('leaves aws_iot as it was', () => {
    const app = FLEET_APPS.aws_iot!;
    expect(app.nrfCloud).toBeUndefined();
    const setup = app.setup(broker(undefined));
    expect(setup.credentials).toEqual({ kind: 'fleet-ca', secTag: 201 });
    expect(setup.image.config).toMatchObject({ port: 41000, secTag: 201 });
  });
});

describe('onboardingCsv', () => {
  it("writes nRF Cloud's bulk rows, read back by the stand-in's CSV parser", () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB"x"\n-----END CERTIFICATE-----\n';
    const rows = parseCsv(
      onboardingCsv([
        { device: 'fleet-0', thingName: 'nrf-1', certificatePem: pem },
        { device: 'fleet-1', thingName: 'nrf-2', certificatePem: pem },
      ]),
    );
    expect(rows).toEqual([
      ['nrf-1', '', '', 'APP|MODEM', pem.trim()],
      ['nrf-2', '', '', 'APP|MODEM', pem.trim()],
    ]);
  });
});
