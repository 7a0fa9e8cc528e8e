/**
 * What a template becomes: tornado's template language compiled to a JavaScript function.
 *
 * A page template with tornado's tags — `{% for %}` over pairs, `{% if %}`/`{% else %}`,
 * `{{ }}` expressions, autoescaping — is printed, then the JavaScript `Template` compiled it to
 * (`template.code`, each line ending with the template line it came from), then what it renders.
 * Code inside the tags is JavaScript (`items.length`, `&&`); the tags keep tornado's Python shape.
 * Last, a template whose expression throws: the error keeps its class, and its stack names the
 * template's line.
 *
 *     node --import tsx --conditions=@aio/source examples/template-code.ts
 *
 * or, where @aio/tornado is installed (the examples come with the package; tsx runs them):
 *
 *     node --import tsx node_modules/@aio/tornado/examples/template-code.ts
 */
import { DictLoader } from '@aio/tornado/template';

const SOURCES = {
  'stories.html': `<h1>{{ title }}</h1>
{% if stories.length %}
<ul>
  {% for id, story in stories %}
  <li><a href="/story/{{ id }}">{{ story }}</a></li>
  {% end %}
</ul>
{% else %}
<p>No stories yet.</p>
{% end %}`,
  'broken.html': `<p>
{{ story.title.toUpperCase() }}
</p>`,
};
const loader = new DictLoader(SOURCES);

const page = loader.load('stories.html');
console.log(`── the template, stories.html ──\n${SOURCES['stories.html']}`);
console.log(
  `── compiled to JavaScript (template.code) ──\n${page.code}\n── rendered ──\n${page.generateString(
    {
      title: 'Tom & Jerry',
      stories: [
        [1, 'The loop that never blocked'],
        [2, '<script>alert(1)</script>'],
      ],
    },
  )}`,
);

console.log('── an error inside a template ──');
try {
  loader.load('broken.html').generateString({ story: {} });
} catch (error) {
  const lines = (error as Error).stack!.split('\n');
  console.log(lines[0]);
  console.log(lines.find((line) => line.includes('broken.html')));
}
