import { MAX_TIMER_MS } from '../options/check-option';

/*
 * The pool's configuration schema as an `as const` literal, for the types (see schema.ts for
 * why there are two copies and how config/schema.json is regenerated from this one).
 */

const SIGNALS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGBREAK',
] as const;

/** A token bucket's options: the pool's rate limit, and each key's. */
function rateLimitSchema<D extends string, L extends string>(description: D, limit: L) {
  return {
    description,
    type: 'object',
    additionalProperties: false,
    required: ['limit', 'intervalMs'],
    properties: {
      limit: { description: limit, type: 'integer', minimum: 1 },
      intervalMs: {
        description: 'Length of the interval, in ms.',
        type: 'number',
        maximum: MAX_TIMER_MS,
        exclusiveMinimum: 0,
      },
    },
  } as const;
}

const handleSignalsSchema = {
  description:
    'true: SIGINT and SIGTERM start a graceful shutdown, then the process exits; a list names the signals to handle.',
  type: ['boolean', 'array'],
  items: {
    description: 'A signal that starts a shutdown.',
    type: 'string',
    enum: SIGNALS,
  },
  uniqueItems: true,
} as const;

/**
 * The JSON Schema of {@link PoolConfig}, as a TypeScript constant (deep-equal to config/schema.json).
 *
 * ## Example
 * ```ts
 * import { POOL_CONFIG_SCHEMA } from './pool-config-schema'; // internal: lib/config/
 * console.log(POOL_CONFIG_SCHEMA.properties.queue.properties.overflow.enum);
 * // Output:
 * // [ 'reject', 'drop-lowest' ]
 * ```
 */
export const POOL_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/rxjs-worker-pool/rxjs-worker-pool/config/schema.json',
  title: 'PoolConfig',
  description:
    'Plain-data options of a WorkerPool (everything but the handler, logger and scheduler). Defaults and limits are written here and nowhere else.',
  type: 'object',
  additionalProperties: false,
  properties: {
    concurrency: {
      description:
        'Concurrency limit: an integer (a fixed initial limit, at least 1), or a range {min, max, initial} that an autoscaler may move the limit within.',
      type: ['integer', 'object'],
      minimum: 1,
      default: 1,
      additionalProperties: false,
      properties: {
        min: {
          description: 'Lowest limit.',
          type: 'integer',
          minimum: 1,
          maximum: { $data: '1/max' },
          default: 1,
        },
        max: {
          description: 'Highest limit. Defaults to max(initial, min, number of CPUs x 4).',
          type: 'integer',
          minimum: 1,
        },
        initial: {
          description: 'Starting limit, between min and max. Defaults to min.',
          type: 'integer',
          exclusiveMinimum: 0,
          minimum: { $data: '1/min' },
          maximum: { $data: '1/max' },
        },
        autoscale: {
          description:
            'Starts a scaler that moves the limit between min and max; true takes every default.',
          type: ['boolean', 'object'],
          additionalProperties: false,
          properties: {
            policy: {
              description:
                "Scaling policy: 'resource' follows CPU, memory and event-loop delay; 'latency' follows task wait time.",
              type: 'string',
              enum: ['resource', 'latency'],
              default: 'resource',
            },
            intervalMs: {
              description:
                "How often the scaler samples and decides, in ms. Defaults to the policy's own.",
              type: 'number',
              maximum: MAX_TIMER_MS,
              exclusiveMinimum: 0,
            },
            targetCpuPercent: {
              description:
                "CPU use (percent of one core) the resource policy aims at. Defaults to the policy's own.",
              type: 'number',
              exclusiveMinimum: 0,
            },
            maxRssBytes: {
              description:
                'Resident set size above which the resource policy scales down, in bytes. Defaults to none.',
              type: 'integer',
              minimum: 1,
            },
            maxEventLoopDelayMs: {
              description:
                "Event-loop delay above which the resource policy scales down, in ms. Defaults to the policy's own.",
              type: 'number',
              exclusiveMinimum: 0,
            },
            cooldownMs: {
              description:
                "Least time between two limit changes, in ms. Defaults to the policy's own.",
              type: 'number',
              maximum: MAX_TIMER_MS,
              minimum: 0,
            },
            step: {
              description:
                "How much one decision changes the limit by. Defaults to the policy's own.",
              type: 'integer',
              minimum: 1,
            },
          },
        },
      },
    },
    queue: {
      description: 'The queue of waiting tasks (running tasks do not count).',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        capacity: {
          description: 'Most tasks that may wait. Omit for an unbounded queue.',
          type: 'integer',
          minimum: 1,
        },
        overflow: {
          description:
            "What a full queue does: 'reject' refuses the new task with QueueFullError; 'drop-lowest' rejects the lowest-priority, newest waiting task if the new one ranks higher.",
          type: 'string',
          enum: ['reject', 'drop-lowest'],
          default: 'reject',
        },
        agingMs: {
          description:
            'A waiting task rises one priority level for each agingMs it has waited. Omit for no aging.',
          type: 'number',
          maximum: MAX_TIMER_MS,
          exclusiveMinimum: 0,
        },
      },
    },
    timeoutMs: {
      description:
        'Timeout of each attempt, in ms; the attempt signal is aborted when it fires. Omit for none.',
      type: 'number',
      maximum: MAX_TIMER_MS,
      exclusiveMinimum: 0,
    },
    abortGraceMs: {
      description:
        'How long an aborted attempt keeps its slot while its handler settles, in ms; past it the slot is freed.',
      type: 'number',
      maximum: MAX_TIMER_MS,
      minimum: 0,
      default: 1000,
    },
    retry: {
      description: 'How failed attempts are retried.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxAttempts: {
          description: 'Total attempts, the first one included (1 means no retry).',
          type: 'integer',
          minimum: 1,
          default: 3,
        },
        backoff: {
          description: 'Delay before each retry.',
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            strategy: {
              description:
                "'exponential': initialMs x factor^(n-1); 'linear': initialMs x n; 'fixed': initialMs; 'random': uniform in [initialMs, maxMs].",
              type: 'string',
              enum: ['exponential', 'linear', 'fixed', 'random'],
              default: 'exponential',
            },
            initialMs: {
              description: 'First delay (lower bound for random), in ms.',
              type: 'number',
              minimum: 0,
              maximum: { $data: '1/maxMs' },
              default: 100,
            },
            maxMs: {
              description: 'Upper bound of every delay, in ms.',
              type: 'number',
              maximum: MAX_TIMER_MS,
              minimum: 0,
              default: 30000,
            },
            factor: {
              description: 'Growth factor of the exponential strategy.',
              type: 'number',
              minimum: 1,
              default: 2,
            },
            jitter: {
              description:
                "Randomisation of each delay: 'none', 'full' (uniform in [0, d]), 'equal' (d/2 + uniform in [0, d/2]) or 'decorrelated'. Defaults to 'full' for exponential, 'none' for the other strategies.",
              type: 'string',
              enum: ['none', 'full', 'equal', 'decorrelated'],
            },
          },
        },
      },
    },
    rateLimit: rateLimitSchema(
      'Throttles dispatch: at most limit task starts per intervalMs (token bucket). Omit for none.',
      'Task starts allowed per interval.',
    ),
    keys: {
      description:
        'Fair turns and limits per key (a tenant, a user, a host), for tasks submitted with a key: within a priority, keys take turns; a key at its limit is skipped.',
      type: 'object',
      additionalProperties: false,
      properties: {
        concurrency: {
          description:
            'Most slots the running attempts of one key hold (a task holds its weight). Omit for no limit.',
          type: 'integer',
          minimum: 1,
        },
        limits: {
          description: 'Per-key overrides of concurrency, by key.',
          type: 'object',
          additionalProperties: {
            description: 'The limit of this key.',
            type: 'integer',
            minimum: 1,
          },
        },
        rateLimit: rateLimitSchema(
          "Per key: at most limit task starts per intervalMs, besides the pool's own rateLimit. Omit for none.",
          'Task starts allowed per interval, per key.',
        ),
        maxTracked: {
          description:
            'Keys with their own metrics().keys.top line and Prometheus series (the busiest); the rest are summed under key="other".',
          type: 'integer',
          minimum: 0,
          default: 100,
        },
      },
    },
    circuitBreaker: {
      description:
        'While the circuit is open, dispatch pauses and tasks stay queued. Omit for none.',
      type: 'object',
      additionalProperties: false,
      required: ['failureThreshold', 'resetTimeoutMs'],
      properties: {
        failureThreshold: {
          description: 'Consecutive failures that open the circuit.',
          type: 'integer',
          minimum: 1,
        },
        resetTimeoutMs: {
          description: 'How long the circuit stays open before letting probes through, in ms.',
          type: 'number',
          maximum: MAX_TIMER_MS,
          minimum: 0,
        },
        halfOpenMax: {
          description: 'Probe calls let through while half-open.',
          type: 'integer',
          minimum: 1,
          default: 1,
        },
        window: {
          description:
            'Also opens the circuit when the failure ratio over the last size calls reaches failureRatio.',
          type: 'object',
          additionalProperties: false,
          required: ['size', 'failureRatio'],
          properties: {
            size: {
              description: 'Number of most recent calls considered.',
              type: 'integer',
              minimum: 1,
            },
            minimumCalls: {
              description: 'Calls needed in the window before the ratio counts. Defaults to size.',
              type: 'integer',
              minimum: 1,
              maximum: { $data: '1/size' },
            },
            failureRatio: {
              description: 'Failure ratio (0 < ratio <= 1) that opens the circuit.',
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 1,
            },
          },
        },
      },
    },
    metrics: {
      description: 'Metrics snapshots on metrics$.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        intervalMs: {
          description: 'Time between two snapshots, in ms.',
          type: 'number',
          maximum: MAX_TIMER_MS,
          exclusiveMinimum: 0,
          default: 1000,
        },
        diskPath: {
          description:
            'Also report the free bytes of the file system holding this path (system.diskFreeBytes). Defaults to none.',
          type: 'string',
          minLength: 1,
        },
        queueHighWater: {
          description:
            'health() is degraded when this many tasks wait; a value up to 1 is a fraction of queue.capacity. Defaults to 0.8.',
          type: 'number',
          exclusiveMinimum: 0,
        },
        maxEventLoopDelayMs: {
          description:
            'health() is degraded when the event-loop delay p99 is above this, in ms. Defaults to 200.',
          type: 'number',
          exclusiveMinimum: 0,
        },
      },
    },
    shutdown: {
      description: 'Graceful shutdown.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        timeoutMs: {
          description:
            'Deadline of a signal-started shutdown and of shutdown() called without one, in ms; past it running tasks are aborted.',
          type: 'number',
          maximum: MAX_TIMER_MS,
          exclusiveMinimum: 0,
          default: 30000,
        },
        cleanupTimeoutMs: {
          description: 'Longest time given to each onShutdown cleanup callback, in ms.',
          type: 'number',
          maximum: MAX_TIMER_MS,
          exclusiveMinimum: 0,
          default: 5000,
        },
        handleSignals: { ...handleSignalsSchema, default: false },
      },
    },
    handleSignals: {
      ...handleSignalsSchema,
      description:
        'Same as shutdown.handleSignals, accepted at the top level like the WorkerPool option; when both are given this one wins.',
    },
    logging: {
      description: 'The pino logger built when no logger is given.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: {
          description: 'Lowest level logged; the pool writes to stderr, never stdout.',
          type: 'string',
          enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          default: 'warn',
        },
        pretty: {
          description:
            'Human-readable output through the optional package pino-pretty (an error if it is not installed).',
          type: 'boolean',
          default: false,
        },
      },
    },
  },
} as const;
