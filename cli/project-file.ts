import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import { ErrorCode, SimError } from '../core/errors.js';

/**
 * `thing.conf.json`, the device project's view of its cloud identity (like Zerynth's
 * `thing-project-from-template`): the endpoint, the policy, the active thing and where its
 * certificate and key are. Paths are relative to the project folder.
 */
export interface ThingConf {
  name: string;
  endpoint: string;
  port: number;
  policy: string;
  /** The active thing; also its MQTT client id. */
  thingName: string | null;
  certificate: string | null;
  privateKey: string | null;
  caCertificate: string;
  things: string[];
}

export const CONF_FILE = 'thing.conf.json';

export function thingDir(thingName: string): string {
  return path.join('things', thingName);
}

export function thingFiles(thingName: string): { certificate: string; privateKey: string } {
  return {
    certificate: path.join(thingDir(thingName), 'certificate.pem.crt'),
    privateKey: path.join(thingDir(thingName), 'private.pem.key'),
  };
}

export async function readConf(project: string): Promise<ThingConf> {
  const file = path.join(project, CONF_FILE);
  let conf: ThingConf | undefined;
  try {
    conf = await readJsonFile<ThingConf>(file);
  } catch (err) {
    throw new SimError(ErrorCode.PROJECT_INVALID, `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!conf)
    throw new SimError(
      ErrorCode.PROJECT_INVALID,
      `${project} is not a device project (no ${CONF_FILE}); run \`nrf91sim project init\``,
    );
  if (typeof conf.name !== 'string' || typeof conf.policy !== 'string' || !Array.isArray(conf.things)) {
    throw new SimError(ErrorCode.PROJECT_INVALID, `${file} lacks name, policy or things`);
  }
  return conf;
}

export async function writeConf(project: string, conf: ThingConf): Promise<void> {
  await writeJsonAtomic(path.join(project, CONF_FILE), conf);
}

export function activate(conf: ThingConf, thingName: string | null): ThingConf {
  if (thingName === null) return { ...conf, thingName: null, certificate: null, privateKey: null };
  return { ...conf, thingName, ...thingFiles(thingName) };
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch {
    return false;
  }
}
