/**
 * Writes messages that cannot be delivered to the dead-letter topic: the value is the original message value (the
 * alert JSON as it came, or the bytes that were not an alert), the key and headers are kept, and two headers say why
 * (HEADER_DEAD_LETTER_REASON) and who gave up (HEADER_DEAD_LETTER_SOURCE: the sink name, or `outputs` for messages
 * that were not alerts). The invariant: `send` resolves only when the bus has acknowledged every message, because the
 * caller lets the offsets be committed right after.
 */
import {
  type BusMessage, type BusProducer, HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE, type ReceivedMessage,
} from '@peregrine/kafka';

/** The source header of messages dead-lettered by the service itself rather than by a sink. */
export const SERVICE_SOURCE = 'outputs';

export class DeadLetterWriter {
  constructor(
    private readonly producer: BusProducer,
    readonly topic: string,
  ) {}

  /** Resolves once the bus holds them; rejects with the producer's error (then nothing may be committed). */
  async send(messages: readonly ReceivedMessage[], reason: string, source: string): Promise<void> {
    if (messages.length === 0) return;
    const out: BusMessage[] = messages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: { ...m.headers, [HEADER_DEAD_LETTER_REASON]: reason, [HEADER_DEAD_LETTER_SOURCE]: source },
    }));
    await this.producer.send(this.topic, out);
  }
}
