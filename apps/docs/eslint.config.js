import base from '@aio/tooling/eslint';

export default [
  {
    ignores: [
      'api/**',
      '.vitepress/dist/**',
      '.vitepress/cache/**',
      '.vitepress/.temp/**',
      'test-artifacts/**',
    ],
  },
  ...base,
];
