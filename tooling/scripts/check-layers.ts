/** `pnpm layers`: fails when any package imports from its own layer or one above it. */
import { fileURLToPath } from 'node:url';
import { checkLayers, LAYERS } from './layers';

const root = fileURLToPath(new URL('../..', import.meta.url));
const violations = checkLayers(root);
if (violations.length > 0) {
  for (const v of violations) console.error(`✗ ${v.where}: ${v.message}`);
  console.error(`\nlayer check failed: ${violations.length} violation(s)`);
  process.exitCode = 1;
} else {
  console.log(`layer check passed: ${LAYERS.join(' < ')}`);
}
