import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, SimError } from '../../core/errors.js';
import { Scenario, type ScenarioFile } from './schema.js';

/** One problem of a scenario file, where it is. */
export interface ScenarioProblem {
  line: number;
  column: number;
  /** The field, as a path: `timeline[2].do.share`. */
  field: string;
  message: string;
}

/** A valid scenario with the line of each step and expectation (for the report). */
export interface LoadedScenario {
  file: string;
  scenario: ScenarioFile;
  lines: { timeline: number[]; expect: number[] };
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** The node at `path`, or the nearest ancestor that exists. */
function nodeAt(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as Array<string | number>, true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return doc.contents ?? undefined;
}

/** The key node of `key` in the map at `path` (for a field that should not be there). */
function keyNode(doc: Document, path: readonly PropertyKey[], key: string): Node | undefined {
  const map = doc.getIn(path as Array<string | number>, true);
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

function position(lines: LineCounter, node: Node | undefined): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function problemsOf(doc: Document, lines: LineCounter, issue: z.core.$ZodIssue): ScenarioProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      ...position(lines, keyNode(doc, issue.path, key) ?? nodeAt(doc, issue.path)),
      field: fieldName([...issue.path, key]),
      message: 'unknown field',
    }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A union of forms: report the branch that got furthest (the longest paths).
    const deepest = issue.errors
      .flat()
      .reduce<z.core.$ZodIssue | undefined>(
        (a, b) => (!a || b.path.length > a.path.length ? b : a),
        undefined,
      );
    if (deepest && deepest.path.length > 0) {
      return problemsOf(doc, lines, { ...deepest, path: [...issue.path, ...deepest.path] });
    }
  }
  return [
    { ...position(lines, nodeAt(doc, issue.path)), field: fieldName(issue.path), message: issue.message },
  ];
}

/** SCENARIO_INVALID with every problem found, each with its line, column and field. */
export class ScenarioInvalidError extends SimError {
  constructor(
    readonly file: string,
    readonly problems: readonly ScenarioProblem[],
  ) {
    const text = problems.map((p) => `${file}:${p.line}:${p.column}: ${p.field}: ${p.message}`).join('\n');
    super(ErrorCode.SCENARIO_INVALID, `scenario ${file} is not valid:\n${text}`);
  }
}

function refuse(file: string, problems: ScenarioProblem[]): never {
  throw new ScenarioInvalidError(file, problems);
}

/** Checks that the file's parts agree: known groups, unique step ids, counts within their groups. */
function crossCheck(s: ScenarioFile): Array<{ path: PropertyKey[]; message: string }> {
  const out: Array<{ path: PropertyKey[]; message: string }> = [];
  const groups = new Map<string, number>();
  s.groups.forEach((g, i) => {
    if (groups.has(g.name)) out.push({ path: ['groups', i, 'name'], message: `a second group ${g.name}` });
    groups.set(g.name, g.count);
  });
  const total = s.groups.reduce((a, g) => a + g.count, 0);
  const ids = new Set<string>();
  s.timeline.forEach((step, i) => {
    if (step.id !== undefined) {
      if (ids.has(step.id)) out.push({ path: ['timeline', i, 'id'], message: `a second step ${step.id}` });
      ids.add(step.id);
    }
    const a = step.do;
    if ('group' in a && a.group !== undefined && !groups.has(a.group)) {
      out.push({ path: ['timeline', i, 'do', 'group'], message: `no group ${a.group}` });
    }
    if ('count' in a && a.count !== undefined) {
      const size = a.group !== undefined ? (groups.get(a.group) ?? 0) : total;
      if (a.count > size) {
        out.push({
          path: ['timeline', i, 'do', 'count'],
          message: `${a.count} is more than the ${size} devices`,
        });
      }
      if (a.share !== undefined) {
        out.push({ path: ['timeline', i, 'do', 'share'], message: 'give share or count, not both' });
      }
    }
  });
  s.timeline.forEach((step, i) => {
    if (step.on === 'step-done' && step.step !== undefined && !ids.has(step.step)) {
      out.push({ path: ['timeline', i, 'step'], message: `no step with id ${step.step}` });
    }
  });
  s.expect.forEach((e, i) => {
    if ('group' in e && e.group !== undefined && !groups.has(e.group)) {
      out.push({ path: ['expect', i, 'group'], message: `no group ${e.group}` });
    }
  });
  return out;
}

/** Parses and validates scenario text (YAML or JSON); throws SCENARIO_INVALID naming line and field. */
export function parseScenario(text: string, file = 'scenario'): LoadedScenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    refuse(
      file,
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { line, column: col, field: '(syntax)', message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const parsed = Scenario.safeParse(doc.toJS());
  if (!parsed.success)
    refuse(
      file,
      parsed.error.issues.flatMap((i) => problemsOf(doc, lines, i)),
    );
  const scenario = parsed.data;
  const cross = crossCheck(scenario);
  if (cross.length > 0) {
    refuse(
      file,
      cross.map((c) => ({
        ...position(lines, nodeAt(doc, c.path)),
        field: fieldName(c.path),
        message: c.message,
      })),
    );
  }
  const lineOf = (path: PropertyKey[]): number => position(lines, nodeAt(doc, path)).line;
  return {
    file,
    scenario,
    lines: {
      timeline: scenario.timeline.map((_, i) => lineOf(['timeline', i])),
      expect: scenario.expect.map((_, i) => lineOf(['expect', i])),
    },
  };
}

export async function loadScenario(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SimError(
      ErrorCode.SCENARIO_INVALID,
      `cannot read scenario ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return parseScenario(text, file);
}

/** Milliseconds of a schema Duration. */
export function durationMs(d: number | string): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new SimError(ErrorCode.SCENARIO_INVALID, `bad duration ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** The fraction 0-1 of a schema Share. */
export function shareFraction(s: number | string): number {
  return typeof s === 'number' ? s : Number(s.slice(0, -1)) / 100;
}
