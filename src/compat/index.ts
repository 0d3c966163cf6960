/**
 * `sockflow/compat`: .NET's SocketAsyncEventArgs pattern on the core. Not built yet: this
 * entry point exports nothing for now (see the compat issue).
 *
 * @example
 * ```ts
 * import * as compat from 'sockflow/compat';
 * ```
 *
 * @module sockflow/compat
 */
export {};
