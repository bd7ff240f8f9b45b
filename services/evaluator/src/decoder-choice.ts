/**
 * Which decoder the workers use, from the `decoder` setting and whether the native addon is built. Decided on the
 * main thread, so that a `native` setting without the addon fails the start with a reason instead of every worker.
 */
import { loadNativeDecoder } from '@peregrine/simd-decode';
import type { EvaluatorConfig } from './config.js';

export type DecoderName = 'native' | 'json';

export interface DecoderChoice {
  readonly name: DecoderName;
  /** Why this decoder, for the start log line. */
  readonly note: string;
  /** Set when the setting cannot be honoured. */
  readonly error?: string | undefined;
}

export function chooseDecoder(setting: EvaluatorConfig['decoder']): DecoderChoice {
  if (setting === 'json') return { name: 'json', note: 'decoding with JSON.parse (decoder: json)' };
  const native = loadNativeDecoder();
  if (native.available) {
    return { name: 'native', note: `decoding with simdjson (${native.decoder.implementation} kernel) into the typed values the rules read` };
  }
  if (setting === 'native') {
    return { name: 'json', note: '', error: `decoder: native was asked for, but ${native.reason}` };
  }
  return { name: 'json', note: `decoding with JSON.parse: ${native.reason}` };
}
