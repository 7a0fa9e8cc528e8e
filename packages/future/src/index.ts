/**
 * @aio/future — a shell until its issue lands: it builds, tests and declares its place in the layers
 * (see the repository's DESIGN and README). Its real API arrives with the @aio/future issue.
 */
export const LAYER = 'future';
