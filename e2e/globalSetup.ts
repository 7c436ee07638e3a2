/**
 * Serves the built app once for the whole e2e run and hands its URL to the tests.
 */
import type { TestProject } from 'vitest/node';
import { startPreview } from '../scripts/labBrowser';

declare module 'vitest' {
  interface ProvidedContext {
    labUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startPreview(project.config.root);
  project.provide('labUrl', server.url);
  return () => server.close();
}
