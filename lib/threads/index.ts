/*
 * rxjs-worker-pool/threads: CPU-bound handlers on worker threads (piscina), under the same
 * pipeline. Kept out of the root entry so that importing the package loads no thread machinery.
 */
export {
  threadHandler,
  type ThreadEvent,
  type ThreadHandler,
  type ThreadHandlerOptions,
  type WorkerFunctionContext,
} from './thread-handler';
export { transfer, type Transferable } from './transfer';
export { WorkerThreadError, type WorkerThreadDeath } from './worker-thread-error';
