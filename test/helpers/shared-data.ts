import { fileURLToPath } from 'node:url';

/**
 * The project's shared test data (`../shared/data` beside the repository: Synthea bundles and
 * official R4 examples), found relative to this file so that a clone anywhere finds its own copy.
 */
export const sharedDataDir = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
export const syntheaDir = `${sharedDataDir}synthea`;
export const examplesDir = `${sharedDataDir}examples`;
