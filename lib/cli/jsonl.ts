import { toPriority, type Priority } from '../index';

/** One input line read as a task. */
export interface InputTask {
  /** The line's id, or one made from its line number (stable across reruns of `--remaining`). */
  id: string;
  input: unknown;
  priority: Priority;
  /** True when the line gave no id and `id` was made from its line number. */
  generated?: true;
  /** Its fairness key and weight, when the line gives them (`"key"`, `"weight"`). */
  key?: string;
  weight?: number;
}

/** What a line is: a task, nothing (blank), or a reason it is bad. */
export type ParsedLine =
  { kind: 'task'; task: InputTask } | { kind: 'blank' } | { kind: 'bad'; reason: string };

/** The id given to a task whose line has none: its 1-based line number in the input. */
export const generatedId = (line: number): string => `line-${line}`;

/** Whether an id has the shape {@link generatedId} makes (`line-N`, `line-N~k`). */
export const hasGeneratedShape = (id: string): boolean => /^line-\d+(?:~\d+)?$/.test(id);

/** Ids of the shape {@link generatedId} makes, as a line may give them (`--remaining` does). */
const GENERATED_SHAPE = /"id"\s*:\s*"(line-\d+(?:~\d+)?)"/g;

/**
 * The ids of the generated shape that lines of `text` give themselves, so that a line
 * without an id never takes one a later line names (a pre-scan of a file's lines: a stream
 * cannot be read twice). A match inside an input only costs that line a suffixed id.
 */
export function reservedIds(text: string, into: Set<string>): void {
  for (const match of text.matchAll(GENERATED_SHAPE)) into.add(match[1]);
}

/**
 * The id for a line without one: `line-N`, or `line-N~k` with the first k that no line of the
 * run took or names (the same file always gives the same ids, so `--remaining` and `--resume`
 * find them again).
 */
export function freeGeneratedId(id: string, taken: (id: string) => boolean): string {
  if (!taken(id)) return id;
  let k = 2;
  while (taken(`${id}~${k}`)) k++;
  return `${id}~${k}`;
}

/**
 * Parses one JSONL line: an object with an `input` key (plus optional `priority` and `id`) is a
 * task; any other JSON value is a bare input. Blank lines are nothing; anything else is bad.
 */
export function parseLine(text: string, line: number): ParsedLine {
  if (text.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'bad', reason: `not JSON (${(error as Error).message})` };
  }
  const isTask =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.prototype.hasOwnProperty.call(value, 'input');
  if (!isTask) {
    return {
      kind: 'task',
      task: {
        id: generatedId(line),
        input: value,
        priority: toPriority(undefined),
        generated: true,
      },
    };
  }
  const record = value as {
    input: unknown;
    id?: unknown;
    priority?: unknown;
    key?: unknown;
    weight?: unknown;
  };
  let id = generatedId(line);
  let generated = true;
  if (record.id !== undefined) {
    generated = false;
    if (typeof record.id === 'string' && record.id !== '') id = record.id;
    else if (typeof record.id === 'number' && Number.isFinite(record.id)) id = String(record.id);
    else
      return {
        kind: 'bad',
        reason: `"id" must be a non-empty string or a number, got ${JSON.stringify(record.id)}`,
      };
  }
  let priority: Priority;
  try {
    priority = toPriority(record.priority, 'priority');
  } catch {
    return {
      kind: 'bad',
      reason: `"priority" must be critical, high, normal or low (or 0-3), got ${JSON.stringify(record.priority)}`,
    };
  }
  const { key, weight } = record;
  if (key !== undefined && typeof key !== 'string') {
    return { kind: 'bad', reason: `"key" must be a string, got ${JSON.stringify(key)}` };
  }
  if (
    weight !== undefined &&
    !(typeof weight === 'number' && Number.isInteger(weight) && weight >= 1)
  ) {
    return {
      kind: 'bad',
      reason: `"weight" must be an integer from 1, got ${JSON.stringify(weight)}`,
    };
  }
  const task: InputTask = { id, input: record.input, priority };
  if (generated) task.generated = true;
  if (key !== undefined) task.key = key;
  if (weight !== undefined) task.weight = weight;
  return { kind: 'task', task };
}
