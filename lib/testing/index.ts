/*
 * rxjs-worker-pool/testing: marble tests for pools whose handlers return Promises. Kept out of
 * the root entry: it loads rxjs/testing, which production code never needs.
 */
export { marbles, type MarbleHelpers, type MarbleOptions } from './marbles';
