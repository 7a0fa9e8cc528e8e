/** examples/template-code.ts, run as a user would run it, in a child process. */
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';
import { runTs } from './test-run-ts';

// A child process with tsx: seconds alone, far more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const example = fileURLToPath(new URL('../examples/template-code.ts', import.meta.url));

it('template-code prints the template, the JavaScript it compiles to, the page, and an error naming the template line', async () => {
  const { code, stdout, stderr } = await runTs(example);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  // The compiled code: a for…of destructuring the pairs, the if's JavaScript condition, every
  // line tagged with its template line.
  expect(stdout).toContain('for (var [id, story] of stories) {  // stories.html:4');
  expect(stdout).toContain('if (stories.length) {  // stories.html:2');
  expect(stdout).toContain(
    '_tt_buffer += _tt_str(xhtmlEscape(_tt_str(story)));  // stories.html:5',
  );
  // The page: escaped, once as text and once in the attribute.
  expect(stdout).toContain('<h1>Tom &amp; Jerry</h1>');
  expect(stdout).toContain('<li><a href="/story/2">&lt;script&gt;alert(1)&lt;/script&gt;</a></li>');
  expect(stdout).not.toContain('<script>alert(1)</script></a>');
  // The error keeps its class; its stack names the template's line.
  expect(stdout).toMatch(/^TypeError: .*toUpperCase/m);
  expect(stdout).toMatch(/at _tt_execute \(broken\.html:2\b/);
});
