/**
 * The cursor the parser walks a template's text with (tornado/template.py `_TemplateReader`):
 * a position, the line it is on, and the whitespace mode in force there (`{% whitespace %}`
 * changes it for the text that follows).
 */
import { ParseError } from './errors';
import type { WhitespaceMode } from './whitespace';

export class TemplateReader {
  line = 1;
  private pos = 0;

  constructor(
    readonly name: string,
    private readonly text: string,
    public whitespace: WhitespaceMode,
  ) {}

  /** Offset of `needle` from the cursor, searching from `start` past it; -1 when absent. */
  find(needle: string, start = 0): number {
    const index = this.text.indexOf(needle, this.pos + start);
    return index === -1 ? -1 : index - this.pos;
  }

  /** Takes `count` characters (all that remain by default), counting the newlines passed. */
  consume(count = this.text.length - this.pos): string {
    const end = this.pos + count;
    const taken = this.text.slice(this.pos, end);
    for (let at = taken.indexOf('\n'); at !== -1; at = taken.indexOf('\n', at + 1)) this.line++;
    this.pos = end;
    return taken;
  }

  remaining(): number {
    return this.text.length - this.pos;
  }

  /** The character `offset` places past the cursor ('' past the end). */
  charAt(offset: number): string {
    return this.text.charAt(this.pos + offset);
  }

  parseError(reason: string): ParseError {
    return new ParseError(reason, this.name, this.line);
  }
}
