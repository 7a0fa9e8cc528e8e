import config from './eslint/config.js';

export default [
  ...config,
  // The consumer fixture is a stranger's project: it is type-checked against the packed packages
  // by `pnpm test:packed`, with its own tsconfig, not as part of the tooling.
  { ignores: ['consumer/**'] },
];
