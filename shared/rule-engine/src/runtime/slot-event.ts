/**
 * An audit event as the native decoder hands it over: its slots (runtime/slots.ts) read straight from the message's
 * typed arrays, and an event object only when a field that is not a slot asks for one.
 */
import type { AuditEvent } from '../event.js';
import { type EventSlots, SlotType } from './slots.js';

type EventObject = Readonly<Record<string, unknown>>;

/**
 * One decoded message: `count` events of `slotCount` slots each, laid out as the native decoder writes them
 * (@peregrine/simd-decode's ExtractedMessage), and how to get an event's object.
 */
export interface SlotMessage {
  readonly count: number;
  readonly slotCount: number;
  /** The text of every string and JSON slot, one after the other. */
  readonly text: string;
  /** Per cell (event * slotCount + slot): its SlotType, its number, and where its text ends in `text` (UTF-16 units). */
  readonly types: Uint8Array;
  readonly numbers: Float64Array;
  readonly marks: Uint32Array;
  /** Event `index` holding at least the members the fields that are not slots read. */
  pruned(index: number): EventObject;
  /** Event `index`, complete: what JSON.parse of the message gives for it. */
  complete(index: number): EventObject;
}

/** The value of one cell of a message, as JSON.parse gives the member (undefined: missing). */
export function cellValue(message: SlotMessage, cell: number): unknown {
  switch (message.types[cell]) {
    case SlotType.string:
      return cellText(message, cell);
    case SlotType.number:
      return message.numbers[cell];
    case SlotType.true:
      return true;
    case SlotType.false:
      return false;
    case SlotType.null:
      return null;
    case SlotType.json:
      return JSON.parse(cellText(message, cell));
    default:
      return undefined;
  }
}

/** A cell's text: from where the previous cell's ends to its own end. */
function cellText(message: SlotMessage, cell: number): string {
  return message.text.slice(cell === 0 ? 0 : message.marks[cell - 1], message.marks[cell]);
}

export class SlotEvent implements AuditEvent, EventSlots {
  readonly slots: EventSlots = this;
  readonly #message: SlotMessage;
  readonly #index: number;
  readonly #firstCell: number;
  #json: EventObject | undefined;
  #complete: EventObject | undefined;

  constructor(message: SlotMessage, index: number, readonly timeNs: bigint, readonly cluster: string | undefined) {
    this.#message = message;
    this.#index = index;
    this.#firstCell = index * message.slotCount;
  }

  /** The event object, built on first use, holding what the fields that are not slots read. */
  get json(): EventObject {
    return (this.#json ??= this.#message.pruned(this.#index));
  }

  /** The complete event, for alerts (AuditEvent.complete). */
  complete(): EventObject {
    return (this.#complete ??= this.#message.complete(this.#index));
  }

  has(slot: number): boolean {
    return this.#message.types[this.#cell(slot)] !== SlotType.absent;
  }

  value(slot: number): unknown {
    return cellValue(this.#message, this.#cell(slot));
  }

  #cell(slot: number): number {
    // A slot beyond the plan would read the next event's cells: a ruleset whose plan missed a field, never bad input.
    if (slot >= this.#message.slotCount) throw new RangeError(`slot ${slot} is not in the decoder's plan (${this.#message.slotCount} slots)`);
    return this.#firstCell + slot;
  }
}
