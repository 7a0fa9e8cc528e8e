import { defineConfig } from 'tsup';
import { aioBuild } from '@aio/tooling/tsup';

export default defineConfig(
  aioBuild({ index: 'src/index.ts', internal: 'src/internal.ts', ssl: 'src/ssl.ts' }),
);
