/**
 * The json plugin's fields (`jevt.*`, aliased `json.*`) and the JSON value helpers every field table shares.
 *
 * Unlike `ka.*`, these fields do not require an `auditID`: they read any decoded event.
 */
import type { AuditEvent } from '../event.js';
import { slotOf } from '../runtime/slots.js';
import { FieldArgError, type Extractor, type FieldInfo, type FieldReads, type FieldValue } from './types.js';

/**
 * The member `key` of a JSON object, or `undefined` when `value` is not an object or has no such own member.
 *
 * Only own members count: a pointer or path naming `constructor` or `__proto__` must not reach `Object.prototype`.
 */
export function member(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * A JSON value as the plugins render it: a string is its raw text, anything else its compact JSON text
 * (`true`, `201`, `null`, `{"a":1}`).
 */
export function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Wraps an extractor so that it never throws. The one way a field can throw on decoded JSON is `JSON.stringify`
 * meeting a value nested deeper than the call stack allows (a hostile payload can be); that value is then simply
 * not available.
 */
export function notThrowing(extract: Extractor): Extractor {
  return (event) => {
    try {
      return extract(event);
    } catch {
      return undefined;
    }
  };
}

/**
 * The extractor of a field whose value comes from one slot (runtime/slots.ts): `read` of the slot's value when the
 * native decoder filled the event's slots, else `viaJson`, which reads the same member of the event object. With
 * `requiredSlot`, an event whose slot is empty has no value (the `ka.*` fields need an `auditID`).
 */
export function slotted(
  slot: number,
  read: (value: unknown, event: AuditEvent) => FieldValue,
  viaJson: Extractor,
  requiredSlot?: number,
): Extractor {
  return (event) => {
    const slots = event.slots;
    if (slots === undefined) return viaJson(event);
    if (requiredSlot !== undefined && !slots.has(requiredSlot)) return undefined;
    // Outside the try: reading a slot throws only for a slot missing from the decoder's plan, a bug to hear about.
    const value = slots.value(slot);
    try {
      return read(value, event);
    } catch {
      return undefined; // as notThrowing: JSON.stringify of a value nested deeper than the stack allows
    }
  };
}

/** A decimal array index token, as the plugins' JSON library accepts it (`0`, `12`, also `007`). */
const ARRAY_INDEX = /^[0-9]+$/;

/**
 * Splits a JSON pointer (RFC 6901) into unescaped tokens: one leading `/` is dropped, then each `/`-separated token
 * has `~1` turned into `/` and then `~0` into `~` (in that order, so `~01` is the literal `~1`).
 */
export function pointerTokens(pointer: string): string[] {
  const body = pointer.startsWith('/') ? pointer.slice(1) : pointer;
  return body.split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Follows pointer tokens from `root`: objects by member name, arrays by decimal index; `undefined` when missing. */
export function resolvePointer(root: unknown, tokens: readonly string[]): unknown {
  let value = root;
  for (const token of tokens) {
    if (Array.isArray(value)) {
      value = ARRAY_INDEX.test(token) ? value[Number(token)] : undefined;
    } else {
      value = member(value, token);
    }
    if (value === undefined) return undefined;
  }
  return value;
}

function argless(name: string, extract: Extractor): FieldInfo['compile'] {
  return (arg) => {
    if (arg !== undefined) throw new FieldArgError(`field '${name}' does not take an argument`);
    return notThrowing(extract);
  };
}

/** `jevt.value[/ptr]`: the value at a JSON pointer; without an argument (or with `[]`) the whole event. */
function compileValue(arg: string | undefined): Extractor {
  if (arg === undefined || arg === '') return notThrowing((event: AuditEvent) => JSON.stringify(event.json));
  const tokens = pointerTokens(arg);
  const viaJson = notThrowing((event: AuditEvent) => {
    const value = resolvePointer(event.json, tokens);
    return value === undefined ? undefined : jsonText(value);
  });
  const slot = tokensSlot(tokens);
  return slot === undefined ? viaJson : slotted(slot, (value) => (value === undefined ? undefined : jsonText(value)), viaJson);
}

/**
 * The slot of a pointer that names object members only (no token that could index an array): resolving it is then
 * reading one path of members, which a slot does.
 */
function tokensSlot(tokens: readonly string[]): number | undefined {
  return tokens.some((token) => ARRAY_INDEX.test(token)) ? undefined : slotOf(tokens);
}

function pointerSlot(arg: string | undefined): number | undefined {
  return arg === undefined || arg === '' ? undefined : tokensSlot(pointerTokens(arg));
}

/**
 * What `jevt.value[ptr]` reads: the members the pointer names, up to its first token that could index an array
 * (everything below it is kept whole, since the pointer may step into an array element). No pointer: the whole event.
 */
function pointerReads(arg: string | undefined): FieldReads {
  if (arg === undefined || arg === '') return 'event';
  const tokens = pointerTokens(arg);
  const firstIndex = tokens.findIndex((token) => ARRAY_INDEX.test(token));
  const path = firstIndex < 0 ? tokens : tokens.slice(0, firstIndex);
  return path.length === 0 ? 'event' : [path];
}

/** The json plugin's fields, in the order `peregrine fields` lists them. */
export const jsonFields: readonly FieldInfo[] = [
  {
    name: 'jevt.value',
    aliases: ['json.value'],
    type: 'string',
    isList: false,
    arg: 'optional-key',
    desc: 'The value at a JSON pointer (RFC 6901) into the event, e.g. jevt.value[/user/username]; without an argument, the whole event as compact JSON.',
    compile: compileValue,
    reads: pointerReads,
    slot: pointerSlot,
  },
  {
    name: 'jevt.obj',
    aliases: ['json.obj'],
    type: 'string',
    isList: false,
    arg: 'none',
    desc: 'The whole event as JSON indented by two spaces.',
    // Same layout as Go's json.Indent(out, data, "", "  "): empty objects and arrays stay `{}` / `[]`.
    compile: argless('jevt.obj', (event) => JSON.stringify(event.json, null, 2)),
  },
  {
    name: 'jevt.rawtime',
    aliases: ['json.rawtime'],
    type: 'abstime',
    isList: false,
    arg: 'none',
    desc: 'The event time (its stageTimestamp) in nanoseconds since the epoch; always present.',
    compile: argless('jevt.rawtime', (event) => event.timeNs.toString()),
    reads: () => [],
  },
];
