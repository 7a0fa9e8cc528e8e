import base from '@aio/tooling/eslint';

export default [
  { ignores: ['api/**', '.vitepress/dist/**', '.vitepress/cache/**', 'test-artifacts/**'] },
  ...base,
];
