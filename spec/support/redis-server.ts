import {
  redisServerAvailable,
  startRedisServer,
  type RedisServer,
} from '../../samples/support/local-redis';

/*
 * The BullMQ specs run against a real redis-server on a loopback port chosen per run. `.ci/run`
 * installs the Debian package; without it the specs skip with a loud message, except when
 * REQUIRE_REDIS=1 (CI), where they fail.
 */

/**
 * Starts a server for a suite (before) and stops it (after); skips the suite when there is no
 * redis-server, loudly, unless REQUIRE_REDIS=1.
 */
export function useRedisServer(suite: Mocha.Suite): () => RedisServer {
  let server: RedisServer | undefined;
  suite.beforeAll(async function () {
    if (!redisServerAvailable()) {
      if (process.env.REQUIRE_REDIS === '1')
        throw new Error('REQUIRE_REDIS=1 but no redis-server on PATH');
      console.warn(
        '\n  !!! redis-server not found: BullMQ specs SKIPPED (apt-get install redis-server) !!!\n',
      );
      this.skip();
    }
    server = await startRedisServer();
  });
  suite.afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('redis-server not started');
    return server;
  };
}
