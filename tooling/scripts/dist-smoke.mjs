#!/usr/bin/env node
// @ts-check
/**
 * Loads the built package in the current directory the way a consumer would, from ESM and from
 * CJS (no source condition), and checks both builds export the same non-empty set of names.
 * Run after `build` by each package's `check-exports`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const esmEntry = pkg.exports['.'].import.default;
const cjsEntry = pkg.exports['.'].require.default;
const esm = await import(pathToFileURL(join(dir, esmEntry)).href);
const cjs = createRequire(join(dir, 'package.json'))(join(dir, cjsEntry));
const esmNames = Object.keys(esm)
  .filter((n) => n !== 'default')
  .sort();
const cjsNames = Object.keys(cjs).sort();
if (esmNames.length === 0) throw new Error(`${pkg.name}: the ESM build exports nothing`);
if (JSON.stringify(esmNames) !== JSON.stringify(cjsNames)) {
  throw new Error(
    `${pkg.name}: ESM and CJS builds export different names:\nESM: ${esmNames}\nCJS: ${cjsNames}`,
  );
}
console.log(`${pkg.name}: ESM and CJS builds load and export the same ${esmNames.length} names`);
