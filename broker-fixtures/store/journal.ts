import { crc32 } from 'node:zlib';
import { isCollection, type StateChange } from './store.js';

/**
 * The broker's write-ahead journal, `journal.log`: one line per group commit,
 * `<crc32 of the JSON, 8 hex digits> <JSON>\n`, the JSON being `{"seq":N,"changes":[…]}` with each
 * change `["put", collection, key, value]` or `["del", collection, key]`. The first line is a header
 * naming the format and its version. A line is appended and fsync'd before any of its changes is
 * acknowledged, so the only damage a crash can leave is an unfinished last line (no newline): that
 * one was never acknowledged and is dropped. Anything else that does not check out is corruption.
 */

export const JOURNAL_FORMAT = 'nrf91sim-broker-journal';
export const JOURNAL_VERSION = 1;

export interface JournalRecord {
  seq: number;
  changes: StateChange[];
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface JournalContents {
  records: JournalRecord[];
  /** Bytes up to the end of the last complete line; a torn tail starts here. */
  validBytes: number;
  /** True when the file ends in an unfinished line (a write cut short by a crash). */
  tornTail: boolean;
}

/** What is wrong with a journal, with the line it is on. */
export class JournalDamage extends Error {}

function frame(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export function journalHeader(): string {
  return frame(JSON.stringify({ format: JOURNAL_FORMAT, version: JOURNAL_VERSION }));
}

/** The JSON text of one change; throws when the value cannot be written as JSON. */
export function encodeChange(change: StateChange): string {
  if ('deleted' in change) return JSON.stringify(['del', change.collection, change.key]);
  const value = JSON.stringify(change.value);
  if (value === undefined) throw new TypeError(`${change.collection}/${change.key} is not a JSON value`);
  return `[${JSON.stringify('put')},${JSON.stringify(change.collection)},${JSON.stringify(change.key)},${value}]`;
}

/** One journal line for a commit whose changes were encoded with {@link encodeChange}. */
export function journalLine(seq: number, encodedChanges: readonly string[]): string {
  return frame(`{"seq":${seq},"changes":[${encodedChanges.join(',')}]}`);
}

function decodeChange(raw: unknown, where: string): StateChange {
  if (!Array.isArray(raw)) throw new JournalDamage(`${where}: a change is not an array`);
  const [op, collection, key] = raw as unknown[];
  if (typeof collection !== 'string' || !isCollection(collection))
    throw new JournalDamage(`${where}: unknown collection ${JSON.stringify(collection)}`);
  if (typeof key !== 'string' || key === '') throw new JournalDamage(`${where}: a change has no key`);
  if (op === 'del' && raw.length === 3) return { collection, key, deleted: true };
  if (op === 'put' && raw.length === 4) return { collection, key, value: raw[3] };
  throw new JournalDamage(`${where}: unknown change ${JSON.stringify(op)}`);
}

function decodeLine(bytes: Buffer, line: number): unknown {
  const where = `line ${line}`;
  if (
    bytes.length < 10 ||
    bytes[8] !== 0x20 ||
    !/^[0-9a-f]{8}$/.test(bytes.subarray(0, 8).toString('latin1'))
  )
    throw new JournalDamage(`${where}: not a journal line`);
  const json = bytes.subarray(9);
  const expected = Number.parseInt(bytes.subarray(0, 8).toString('latin1'), 16);
  if (crc32(json) !== expected) throw new JournalDamage(`${where}: checksum mismatch (the line is damaged)`);
  try {
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch (err) {
    throw new JournalDamage(`${where}: ${(err as Error).message}`);
  }
}

/** Parses a journal file's bytes. Throws {@link JournalDamage} when it is corrupt. */
export function readJournal(bytes: Buffer): JournalContents {
  const records: JournalRecord[] = [];
  let offset = 0;
  let line = 0;
  while (offset < bytes.length) {
    if (bytes[offset] === 0) {
      // The zero-filled space ahead of the writes: nothing may follow it.
      const stray = bytes.subarray(offset).findIndex((b) => b !== 0);
      if (stray >= 0)
        throw new JournalDamage(
          `after line ${line}: data at byte ${offset + stray} beyond the end of the journal`,
        );
      return { records, validBytes: offset, tornTail: false };
    }
    const end = bytes.indexOf(0x0a, offset);
    if (end < 0) return { records, validBytes: offset, tornTail: true };
    line++;
    const value = decodeLine(bytes.subarray(offset, end), line);
    offset = end + 1;
    if (line === 1) {
      const header = value as { format?: unknown; version?: unknown };
      if (typeof header !== 'object' || header === null || header.format !== JOURNAL_FORMAT)
        throw new JournalDamage('line 1: not an nrf91sim broker journal header');
      if (header.version !== JOURNAL_VERSION)
        throw new JournalDamage(
          `line 1: unknown journal version ${JSON.stringify(header.version)} (this nrf91sim reads version ${JOURNAL_VERSION})`,
        );
      continue;
    }
    const record = value as { seq?: unknown; changes?: unknown };
    if (typeof record !== 'object' || record === null || !Number.isSafeInteger(record.seq))
      throw new JournalDamage(`line ${line}: a record without a sequence number`);
    if (!Array.isArray(record.changes) || record.changes.length === 0)
      throw new JournalDamage(`line ${line}: a record without changes`);
    const where = `line ${line} (record ${String(record.seq)})`;
    records.push({
      seq: record.seq as number,
      changes: record.changes.map((c) => decodeChange(c, where)),
      line,
    });
  }
  if (line === 0) return { records, validBytes: 0, tornTail: false };
  return { records, validBytes: offset, tornTail: false };
}
