/**
 * @aio/selector/internal: helpers every aio package shares, so that none writes its own copy —
 * how values and addresses print in messages (`formatValue`, `formatAddress`), what `await`
 * waits on (`isThenable`), and the one scratch buffer socket reads land in (`recvScratch`).
 *
 * Not for application code: nothing here is needed to use sockets and selectors, and it may
 * change with the packages that use it.
 *
 * @module @aio/selector/internal
 */
export { formatValue, isThenable } from './format';
export { formatAddress } from './address';
export { recvScratch, SCRATCH_SIZE } from './scratch';
