/**
 * @aio/loop — a shell until its issue lands: it builds, tests and declares its place in the layers
 * (see the repository's DESIGN and README). Its real API arrives with the @aio/loop issue.
 */
export const LAYER = 'loop';
