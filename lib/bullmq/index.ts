/*
 * rxjs-worker-pool/bullmq: tasks from a BullMQ queue on Redis, many processes sharing one queue.
 * Kept out of the root entry: bullmq and ioredis are optional peer dependencies, loaded only here.
 */
export { consumeBullMQ, BULLMQ_PREFETCH, type ConsumeBullMQOptions } from './consume-bullmq';
export { toBullMQPriority, fromBullMQPriority } from './priority';
