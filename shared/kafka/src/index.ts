export * from './types.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { KafkaBus } from './kafka-bus.js';
export { KafkaConfig } from './kafka-config.js';
export { KafkaConsumer } from './kafka-consumer.js';
export { KafkaProducer } from './kafka-producer.js';
export { toBusError } from './kafka-errors.js';
