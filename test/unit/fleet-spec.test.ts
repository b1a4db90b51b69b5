import { describe, expect, it } from 'vitest';
import { isValidImei } from '../../modem/identity.js';
import {
  fleetImei,
  fleetSpecs,
  parseDeviceSpec,
  serializeDeviceSpec,
  specProfile,
  type DeviceSpec,
} from '../../fleet/index.js';

const spec: DeviceSpec = {
  name: 'fleet-7',
  seed: 'seed-7',
  profile: { sensors: { batteryMv: 3700 }, network: { timings: { searchMs: 10 } } } as DeviceSpec['profile'],
  credentials: { kind: 'fleet-ca', secTag: 201, thingName: 'thing-7' },
  image: {
    app: 'aws_iot',
    version: '1.0.0',
    config: { endpoint: 'e.example', port: 8883, secTag: 201, appTopics: [] },
  },
  link: 'lte-m',
};

describe('device specs', () => {
  it('survive serialisation unchanged, as a worker receives them', () => {
    const text = serializeDeviceSpec(spec);
    expect(parseDeviceSpec(JSON.parse(text))).toEqual(spec);
    // The structured clone a worker message makes keeps it too.
    expect(parseDeviceSpec(structuredClone(spec))).toEqual(spec);
  });

  it('give the device its seed and link preset', () => {
    expect(specProfile(spec)).toMatchObject({ seed: 'seed-7', link: 'lte-m', sensors: { batteryMv: 3700 } });
  });

  it.each([
    [{ ...spec, name: '../x' }, /device name/],
    [{ ...spec, link: 'wifi' }, /link must be one of ideal, lte-m, nb-iot/],
    [{ ...spec, credentials: { kind: 'fleet-ca', secTag: -1 } }, /secTag/],
    [
      {
        ...spec,
        credentials: { kind: 'pem', secTag: 1, caPem: 'x', certificatePem: 'y', privateKeyPem: 'z' },
      },
      /caPem must be a PEM/,
    ],
    [{ ...spec, credentials: { kind: 'magic' } }, /use fleet-ca, pem or none/],
    [{ ...spec, image: { app: 'aws_iot', version: 'one', config: {} } }, /image.version/],
    [
      { ...spec, image: { app: 'aws_iot', version: '1.0.0', config: { f: () => 1 } } },
      /image.config must be a JSON object/,
    ],
    [
      { ...spec, profile: { credentials: { factory: [{ content: Buffer.from('x') }] } } },
      /profile must be a JSON object/,
    ],
    [{ ...spec, seed: '' }, /seed/],
    ['fleet-1', /expected an object/],
  ])('refuse %#: a wrong field is named', (input, message) => {
    expect(() => parseDeviceSpec(input)).toThrow(message);
  });

  it('give the devices of a fleet distinct, valid IMEIs, the same on every run', () => {
    const specs = fleetSpecs({ count: 20_000, image: spec.image, credentials: { kind: 'none' } });
    const imeis = specs.map((s) => s.profile?.identity?.imei as string);
    expect(new Set(imeis).size).toBe(20_000);
    for (const imei of imeis.slice(0, 50)) expect(isValidImei(imei)).toBe(true);
    expect(fleetImei('fleet', 7)).toBe(imeis[7]);
    expect(fleetImei('other', 7)).not.toBe(imeis[7]);
  });

  it('make a fleet of N devices on one image', () => {
    const specs = fleetSpecs({ count: 3, prefix: 'f', image: spec.image, credentials: { kind: 'none' } });
    expect(specs.map((s) => s.name)).toEqual(['f-0', 'f-1', 'f-2']);
    expect(new Set(specs.map((s) => JSON.stringify(s.image))).size).toBe(1);
    expect(() => fleetSpecs({ count: 0, image: spec.image, credentials: { kind: 'none' } })).toThrow(/count/);
  });
});
