/**
 * MemoryBus: the Bus contract (bus-contract.ts), plus what only the in-memory bus promises: bounded memory per topic
 * (PG_ERR_BUS_FULL, accepted again once consumed) and all-or-nothing sends.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPeregrineError } from '@peregrine/core';
import { busContractTests, consumerOf, Recorder, started, waitFor } from './bus-contract.js';
import { MemoryBus } from './memory-bus.js';

let topics = 0;
busContractTests('MemoryBus', async () => ({
  bus: new MemoryBus({ partitions: 3, retryBackoffMs: 200 }),
  newTopic: async () => `topic-${++topics}`,
  waitMs: 5000,
}));

describe('MemoryBus: memory bounds', () => {
  test('a send over maxTopicBytes is refused with PG_ERR_BUS_FULL, and accepted again once consumed', async (t) => {
    const bus = new MemoryBus({ partitions: 2, maxTopicBytes: 1000 });
    const producer = await started(t, bus.producer());
    await producer.send('audit', [{ value: Buffer.alloc(600) }, { value: Buffer.alloc(300) }]);
    await assert.rejects(producer.send('audit', [{ value: Buffer.alloc(200) }]), (err) => isPeregrineError(err, 'PG_ERR_BUS_FULL'));
    assert.equal(bus.retainedBytes('audit'), 900, 'the refused send kept nothing');

    const rec = new Recorder();
    await started(t, consumerOf(bus, { groupId: 'evaluator', topics: ['audit'] }, rec.handler));
    await waitFor(() => bus.retainedBytes('audit') === 0, 5000, () => `${bus.retainedBytes('audit')} bytes still retained`);
    await producer.send('audit', [{ value: Buffer.alloc(200) }]);
    await waitFor(() => rec.messages.length === 3, 5000, () => `${rec.messages.length}/3 delivered`);
  });

  test('memory is held until every group that reads the topic has committed', async (t) => {
    const bus = new MemoryBus({ partitions: 1, maxTopicBytes: 1000 });
    const producer = await started(t, bus.producer());
    const fast = new Recorder();
    await started(t, consumerOf(bus, { groupId: 'fast', topics: ['alerts'] }, fast.handler));
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => { releaseSlow = resolve; });
    await started(t, consumerOf(bus, { groupId: 'slow', topics: ['alerts'] }, () => slowGate));
    await producer.send('alerts', [{ value: Buffer.alloc(500) }]);
    await waitFor(() => fast.messages.length === 1, 5000, () => 'the fast group got the message');
    assert.equal(bus.retainedBytes('alerts'), 500, 'retained while the slow group has not committed');
    releaseSlow();
    await waitFor(() => bus.retainedBytes('alerts') === 0, 5000, () => 'released once both groups committed');
  });

  test('a value over maxMessageBytes fails the whole send (PG_ERR_BUS_MESSAGE_TOO_LARGE); exactly the limit passes', async (t) => {
    const bus = new MemoryBus({ maxMessageBytes: 1024 });
    const producer = await started(t, bus.producer());
    await assert.rejects(producer.send('audit', [{ value: Buffer.alloc(10) }, { value: Buffer.alloc(1025) }]),
      (err) => isPeregrineError(err, 'PG_ERR_BUS_MESSAGE_TOO_LARGE'));
    assert.equal(bus.retainedBytes('audit'), 0, 'nothing of a refused send is kept');
    await producer.send('audit', [{ value: Buffer.alloc(1024) }]);
    assert.equal(bus.retainedBytes('audit'), 1024);
  });
});
