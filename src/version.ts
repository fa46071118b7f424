import pkg from '../package.json' with { type: 'json' };

/** The version of model-gates, as published. */
export const TOOL_VERSION: string = pkg.version;
