// node:diagnostics_channel channels sockflow publishes on (docs/diagnostics.md). Publishing is
// guarded by `hasSubscribers` at each site, so nobody listening costs one property read.
import { channel } from 'node:diagnostics_channel';

/** `connect()` starts: `{ address }`. */
export const connectChannel = channel('sockflow:connect');
/** `connect()` resolved: `{ address, connection }`. */
export const connectedChannel = channel('sockflow:connected');
/** `connect()` rejected: `{ address, error }`. */
export const connectErrorChannel = channel('sockflow:connect-error');
/** A listener handed out a connection: `{ listenerAddress, connection }`. */
export const acceptChannel = channel('sockflow:accept');
/** A connection ended: `{ remoteAddress }` and its `CloseInfo` (reason, byte counts, error). */
export const closeChannel = channel('sockflow:close');
