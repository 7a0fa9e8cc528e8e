/**
 * Whitespace in a template's text (tornado/template.py `filter_whitespace`).
 *
 * The modes compress what Python's `\s` matches, which is not what JavaScript's matches (Python
 * has U+001C–U+001F and U+0085, JavaScript has U+FEFF): the same file has to render the same
 * bytes in both, so the patterns are built on escape's list of Python's whitespace.
 */
import { PYTHON_WHITESPACE } from '../escape/text';
import { optionValueError } from '../log/errors';

/** What a template does with runs of whitespace in its text. */
export type WhitespaceMode = 'all' | 'single' | 'oneline';

const TABS_AND_SPACES = /[\t ]+/g;
const SPACES_AROUND_NEWLINE = new RegExp(`[${PYTHON_WHITESPACE}]*\\n[${PYTHON_WHITESPACE}]*`, 'g');
const ANY_SPACES = new RegExp(`[${PYTHON_WHITESPACE}]+`, 'g');
const MODES: readonly string[] = ['all', 'single', 'oneline'];

/** True when `mode` is one of the three whitespace modes. */
export function isWhitespaceMode(mode: unknown): mode is WhitespaceMode {
  return typeof mode === 'string' && MODES.includes(mode);
}

/**
 * Transforms the whitespace in `text` according to `mode`:
 * - `all`: keeps all whitespace as it is;
 * - `single`: collapses each run of tabs and spaces to one space, and each run of whitespace
 *   holding a newline to one newline;
 * - `oneline`: collapses each run of whitespace, newlines included, to one space.
 *
 * @example
 * ```ts
 * filterWhitespace('single', '  a\t\tb \n\n c'); // ' a b\nc'
 * filterWhitespace('oneline', '  a\n\n b');       // ' a b'
 * ```
 */
export function filterWhitespace(mode: WhitespaceMode, text: string): string {
  switch (mode) {
    case 'all':
      return text;
    case 'single':
      return text.replace(TABS_AND_SPACES, ' ').replace(SPACES_AROUND_NEWLINE, '\n');
    case 'oneline':
      return text.replace(ANY_SPACES, ' ');
    default:
      throw optionValueError('filterWhitespace()', 'mode', '"all", "single" or "oneline"', mode);
  }
}
