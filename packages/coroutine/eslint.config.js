export { default } from '@aio/tooling/eslint';
