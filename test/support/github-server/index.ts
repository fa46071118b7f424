export { startGitHubServer, GitHubServer, OPERATION_PERMISSIONS, SECONDARY_RATE_LIMIT_MESSAGE } from './server.js';
export type {
  Fault,
  FaultKind,
  FaultMatch,
  FaultOptions,
  GitHubServerOptions,
  PermissionLevel,
  PermissionScope,
  RequestLogEntry,
  TokenOptions,
  Violation,
} from './server.js';
export { GitHubState, fakeSha } from './state.js';
export type * from './state.js';
export { operations } from './openapi.js';
