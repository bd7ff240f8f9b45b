export * from './types.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
