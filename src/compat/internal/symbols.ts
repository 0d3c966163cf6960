// The internal protocol between Socket and SocketAsyncEventArgs: symbol-keyed members that
// are not part of the public API.
export const kStart = Symbol('sockflow.compat.start');
export const kRelease = Symbol('sockflow.compat.release');
export const kFinish = Symbol('sockflow.compat.finish');
export const kRaise = Symbol('sockflow.compat.raise');
export const kCapture = Symbol('sockflow.compat.capture');
export const kTarget = Symbol('sockflow.compat.target');
export const kConnectResult = Symbol('sockflow.compat.connectResult');
export const kCancel = Symbol('sockflow.compat.cancel');
