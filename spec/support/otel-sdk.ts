import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/*
 * The real OpenTelemetry SDK for specs, set up as an application would: spans to an in-memory
 * exporter, contexts through AsyncLocalStorage.
 */

export const exporter = new InMemorySpanExporter();
export const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
export const tracer = provider.getTracer('spec');

/** The finished spans with this name. */
export const named = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.name === name);

/**
 * Registers the async-hooks context manager for a suite (and takes it and any propagator away
 * after); forgets the recorded spans after each spec.
 */
export function useOtelContexts(suite: Mocha.Suite): void {
  const contextManager = new AsyncLocalStorageContextManager();
  suite.beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
  });
  suite.afterAll(() => {
    context.disable();
    propagation.disable();
    contextManager.disable();
  });
  suite.afterEach(() => exporter.reset());
}
