import { Priority, priorityName, toPriority, type PriorityLike, type PriorityName } from '../index';

/** BullMQ priorities of the four levels: 1 is BullMQ's highest; 0 would mean "none". */
const TO_BULLMQ: Record<PriorityName, number> = { critical: 1, high: 2, normal: 3, low: 4 };
const FROM_BULLMQ: readonly Priority[] = [
  Priority.CRITICAL,
  Priority.HIGH,
  Priority.NORMAL,
  Priority.LOW,
];

/**
 * The BullMQ job priority of a pool priority: critical → 1, high → 2, normal → 3, low → 4
 * (never 0, which BullMQ reads as "no priority" and hands out before every prioritised job).
 *
 * ## Example
 * ```ts
 * import { Queue } from 'bullmq';
 * import { toBullMQPriority } from 'rxjs-worker-pool/bullmq';
 * await new Queue('emails', { connection }).add('send', email, { priority: toBullMQPriority('high') });
 * ```
 */
export function toBullMQPriority(priority: PriorityLike): number {
  return TO_BULLMQ[priorityName(toPriority(priority, 'priority'))];
}

/**
 * The pool priority of a BullMQ job priority, the inverse of {@link toBullMQPriority}: 1 →
 * critical, 2 → high, 3 → normal, 4 → low; none (0 or missing) → normal; other numbers → the
 * nearest level (5 and above → low).
 *
 * ## Example
 * ```ts
 * import { fromBullMQPriority } from 'rxjs-worker-pool/bullmq';
 * fromBullMQPriority(job.opts.priority); // Priority.HIGH for 2
 * ```
 */
export function fromBullMQPriority(priority: number | undefined): Priority {
  if (priority === undefined || !Number.isFinite(priority) || priority <= 0) return Priority.NORMAL;
  const index = Math.min(FROM_BULLMQ.length, Math.max(1, Math.round(priority))) - 1;
  return FROM_BULLMQ[index];
}
