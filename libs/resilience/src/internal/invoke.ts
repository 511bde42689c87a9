import type { CallContext, ResilientCall } from '../policies/policy.interfaces.js';

/** Calls `call`, turning a synchronous throw or value into a promise. */
export function invoke<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
  try {
    const result = call(context);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the callee's own rejection value, passed on unchanged
    return Promise.reject(error);
  }
}
