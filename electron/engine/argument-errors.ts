import type { z } from 'zod';

/**
 * Bad arguments, said the way the person who typed them knows them: "Epochs must be at least 1
 * (you entered 0)." rather than zod's "epochs: Too small: expected number to be >=1". The method
 * name stays out of the sentence (it goes into the error's details and the log).
 */

/** What the forms call the fields that are easy to get wrong; other fields are named by `readable`. */
const FIELD_LABELS: Record<string, string> = {
  epochs: 'Epochs',
  imageSize: 'Image size',
  lr: 'Learning rate',
  bodyLr: 'Body learning rate',
  batchSize: 'Batch size',
  layerDecay: 'Layer-wise learning-rate decay',
  weightDecay: 'Weight decay',
  labelSmoothing: 'Label smoothing',
  unfreezeShare: 'Share of layers to unfreeze',
  gradualEvery: 'Unfreeze every (epochs)',
  auxAlpha: 'Auxiliary loss weight',
  runId: 'Run',
  imageId: 'Image',
  classId: 'Class',
  dir: 'Project folder',
  path: 'Path',
  csv: 'CSV file',
  outFile: 'Output file',
  arch: 'Architecture',
  backbone: 'Backbone',
  name: 'Name',
};

/** `batchSize` -> "Batch size", `group_id` -> "Group id". */
export function readable(field: string): string {
  const words = field.replace(/[_-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldName(path: readonly PropertyKey[]): string {
  const key = [...path].reverse().find((k): k is string => typeof k === 'string');
  if (key === undefined) return 'The input';
  const label = FIELD_LABELS[key] ?? readable(key);
  const index = path.at(-1);
  return typeof index === 'number' ? `${label} (item ${index + 1})` : label;
}

/** The value at `path` in what the caller sent, to quote it back. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** The schema of the field at `path`, without optional / nullable / default wrappers, when it can be found. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = unwrap(schema);
  for (const k of path) {
    const def = s?.def as { type?: string; shape?: Record<string, z.ZodType>; element?: z.ZodType } | undefined;
    if (def?.type === 'object' && typeof k === 'string') s = def.shape?.[k];
    else if (def?.type === 'array' && typeof k === 'number') s = def.element;
    else return undefined;
    s = s && unwrap(s);
  }
  return s;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 8; i++) {
    const def = s.def as { type?: string; innerType?: z.ZodType };
    if (!def.innerType || !['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type ?? '')) break;
    s = def.innerType;
  }
  return s;
}

interface NumberRule {
  whole: boolean;
  min: number | null;
  max: number | null;
}

function numberRule(schema: z.ZodType | undefined): NumberRule | null {
  if (schema?.def.type !== 'number') return null;
  const n = schema as z.ZodNumber;
  const finite = (x: number | null) => (x === null || !Number.isFinite(x) || Math.abs(x) >= Number.MAX_SAFE_INTEGER ? null : x);
  return { whole: n.isInt, min: finite(n.minValue), max: finite(n.maxValue) };
}

const quote = (v: unknown) => (typeof v === 'string' ? `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"` : JSON.stringify(v) ?? String(v));
const entered = (v: unknown) => (v === undefined ? '' : ` (you entered ${quote(v)})`);

/** "a whole number between 16 and 1024", "a number of at least 0", "a number". */
function describeNumber(rule: NumberRule): string {
  const kind = rule.whole ? 'a whole number' : 'a number';
  if (rule.min !== null && rule.max !== null) return `${kind} between ${rule.min} and ${rule.max}`;
  if (rule.min !== null) return `${kind} of at least ${rule.min}`;
  if (rule.max !== null) return `${kind} of at most ${rule.max}`;
  return kind;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a set of fields',
};

/** Zod's own English messages start like this; a message a schema wrote itself is kept as it is. */
const ZOD_DEFAULT = /^(Too small|Too big|Invalid|Unrecognized key)/;

function sentence(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType | undefined): string {
  const field = fieldName(issue.path);
  const value = valueAt(input, issue.path);
  if (!ZOD_DEFAULT.test(issue.message)) return finish(relabel(issue.message, issue.path));
  switch (issue.code) {
    case 'too_small':
    case 'too_big':
      return bound(issue, field, value);
    case 'invalid_type': {
      if (value === undefined) return `${field} is required.`;
      const rule = numberRule(schema && schemaAt(schema, issue.path));
      if (rule) return `${field} must be ${describeNumber(rule)}${entered(value)}.`;
      return `${field} must be ${TYPE_NAMES[issue.expected] ?? issue.expected}${entered(value)}.`;
    }
    case 'invalid_value':
      return `${field} must be ${issue.values.length === 1 ? quote(issue.values[0]) : `one of ${issue.values.map(quote).join(', ')}`}${entered(value)}.`;
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return `${keys} ${issue.keys.length === 1 ? 'is not a setting' : 'are not settings'} this action accepts: remove ${issue.keys.length === 1 ? 'it' : 'them'}.`;
    }
    case 'not_multiple_of':
      return `${field} must be a multiple of ${String(issue.divisor)}${entered(value)}.`;
    case 'invalid_format':
      return `${field} is not a valid ${issue.format}${entered(value)}.`;
    default:
      return `${field} is not valid${entered(value)}.`;
  }
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, field: string, value: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'string') {
    if (small && limit <= 1) return `${field} must not be empty.`;
    const length = typeof value === 'string' ? ` (yours has ${value.length})` : '';
    return `${field} must be ${small ? 'at least' : 'at most'} ${limit} characters${length}.`;
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    const count = Array.isArray(value) ? ` (you gave ${value.length})` : '';
    return `${field} must have ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}${count}.`;
  }
  const relation = small ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  return `${field} must be ${relation} ${limit}${entered(value)}.`;
}

/** `nonEmpty('dir')` wrote "dir must not be empty": name the field as the forms do. */
function relabel(message: string, path: readonly PropertyKey[]): string {
  const key = path.at(-1);
  return typeof key === 'string' && message.startsWith(`${key} `) ? `${FIELD_LABELS[key] ?? readable(key)}${message.slice(key.length)}` : message;
}

function finish(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** One sentence per problem, joined: what the user sees for arguments a schema rejected. */
export function describeArgumentError(error: z.ZodError, input: unknown, schema?: z.ZodType): string {
  const sentences = error.issues.map((i) => sentence(i, input, schema));
  return [...new Set(sentences)].join(' ');
}
