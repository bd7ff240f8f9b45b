/**
 * The event fields libs gives every plugin event (`evt.*`), and the time formatting the alert builder shares.
 *
 * Falco prints these times in the local time zone of its host; Peregrine always prints UTC, so that outputs do not
 * depend on where an evaluator runs.
 */
import type { AuditEvent } from '../event.js';
import { FieldArgError, type Extractor, type FieldInfo, type FieldType } from './types.js';

const NS_PER_SECOND = 1_000_000_000n;

/** Splits a time in ns into whole seconds (floored, so times before 1970 work) and the nanoseconds within them. */
function splitNs(ns: bigint): { seconds: bigint; nanos: bigint } {
  let seconds = ns / NS_PER_SECOND;
  let nanos = ns % NS_PER_SECOND;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NS_PER_SECOND;
  }
  return { seconds, nanos };
}

function pad(value: number | bigint, width: number): string {
  return value.toString().padStart(width, '0');
}

/** The UTC calendar parts of a time in ns: `YYYY-MM-DD`, `HH:MM:SS` and the 9 fraction digits. */
function utcParts(ns: bigint): { date: string; clock: string; fraction: string } {
  const { seconds, nanos } = splitNs(ns);
  const when = new Date(Number(seconds) * 1000);
  return {
    date: `${pad(when.getUTCFullYear(), 4)}-${pad(when.getUTCMonth() + 1, 2)}-${pad(when.getUTCDate(), 2)}`,
    clock: `${pad(when.getUTCHours(), 2)}:${pad(when.getUTCMinutes(), 2)}:${pad(when.getUTCSeconds(), 2)}`,
    fraction: pad(nanos, 9),
  };
}

/** A time in ns since the epoch as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC, always 9 fraction digits). */
export function formatTimeIso(ns: bigint): string {
  const { date, clock, fraction } = utcParts(ns);
  return `${date}T${clock}.${fraction}Z`;
}

/** A time in ns since the epoch as the UTC time of day `HH:MM:SS.nnnnnnnnn` (Falco's alert line prefix). */
export function formatTimeOfDay(ns: bigint): string {
  const { clock, fraction } = utcParts(ns);
  return `${clock}.${fraction}`;
}

function evtField(name: string, type: FieldType, desc: string, extract: Extractor): FieldInfo {
  return {
    name,
    type,
    isList: false,
    arg: 'none',
    desc,
    compile: (arg) => {
      if (arg !== undefined) throw new FieldArgError(`field '${name}' does not take an argument`);
      return extract;
    },
    // Only the event time, which every decoded event carries.
    reads: () => [],
  };
}

/** The `evt.*` fields, in the order `peregrine fields` lists them. */
export const evtFields: readonly FieldInfo[] = [
  evtField('evt.time', 'string', 'The event time as HH:MM:SS.nnnnnnnnn (UTC).', (event: AuditEvent) => formatTimeOfDay(event.timeNs)),
  evtField('evt.time.s', 'string', 'The event time as HH:MM:SS (UTC).', (event) => utcParts(event.timeNs).clock),
  evtField('evt.time.iso8601', 'string', 'The event time as YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ (UTC).', (event) => formatTimeIso(event.timeNs)),
  evtField('evt.datetime', 'string', 'The event time as YYYY-MM-DD HH:MM:SS.nnnnnnnnn (UTC).', (event) => {
    const { date, clock, fraction } = utcParts(event.timeNs);
    return `${date} ${clock}.${fraction}`;
  }),
  evtField('evt.datetime.s', 'string', 'The event time as YYYY-MM-DD HH:MM:SS (UTC).', (event) => {
    const { date, clock } = utcParts(event.timeNs);
    return `${date} ${clock}`;
  }),
  evtField('evt.rawtime', 'abstime', 'The event time in nanoseconds since the epoch.', (event) => event.timeNs.toString()),
  evtField('evt.rawtime.s', 'uint64', 'The whole seconds of the event time since the epoch.', (event) => splitNs(event.timeNs).seconds.toString()),
  evtField('evt.rawtime.ns', 'uint64', 'The nanoseconds part of the event time (0 to 999999999).', (event) => splitNs(event.timeNs).nanos.toString()),
  evtField('evt.source', 'string', 'The event source: always k8s_audit.', () => 'k8s_audit'),
  evtField('evt.pluginname', 'string', 'The name of the plugin that produced the event: always k8saudit.', () => 'k8saudit'),
];
