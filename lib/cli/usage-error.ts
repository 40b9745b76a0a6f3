/** A command-line mistake (a flag, a file, a config key): exit code 2, its message on stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
