/**
 * The part of C's `strftime` that log date formats use, compiled once per format. Local time,
 * as Python's `logging.Formatter.formatTime` uses (`time.localtime`), unless `utc` is asked for.
 */
import { optionValueError } from './errors';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

interface Fields {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  ms: number;
  weekday: number;
  offsetMinutes: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const DIRECTIVES: Record<string, (f: Fields) => string> = {
  Y: (f) => String(f.year),
  y: (f) => pad(f.year % 100),
  m: (f) => pad(f.month + 1),
  d: (f) => pad(f.day),
  H: (f) => pad(f.hours),
  I: (f) => pad(f.hours % 12 === 0 ? 12 : f.hours % 12),
  M: (f) => pad(f.minutes),
  S: (f) => pad(f.seconds),
  f: (f) => pad(f.ms * 1000, 6),
  p: (f) => (f.hours < 12 ? 'AM' : 'PM'),
  a: (f) => DAYS[f.weekday]!.slice(0, 3),
  A: (f) => DAYS[f.weekday]!,
  b: (f) => MONTHS[f.month]!.slice(0, 3),
  B: (f) => MONTHS[f.month]!,
  j: (f) => {
    const start = Date.UTC(f.year, 0, 1);
    return pad(Math.floor((Date.UTC(f.year, f.month, f.day) - start) / 86_400_000) + 1, 3);
  },
  z: (f) => {
    const sign = f.offsetMinutes >= 0 ? '+' : '-';
    const abs = Math.abs(f.offsetMinutes);
    return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  },
  '%': () => '%',
};

/** A compiled date format: call it with a time in ms since the epoch. */
export type DateFormatter = (time: number) => string;

/**
 * Compiles `format`; an unknown directive is a RangeError that names `option` and the format.
 * Supported: `%Y %y %m %d %H %I %M %S %f %p %a %A %b %B %j %z %%`.
 */
export function compileDateFormat(
  format: string,
  option: string,
  utc = false,
  where = 'LogFormatter()',
): DateFormatter {
  const parts: (string | ((f: Fields) => string))[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      literal += ch;
      continue;
    }
    const directive = DIRECTIVES[format[i + 1] ?? ''];
    if (directive === undefined) {
      throw optionValueError(
        where,
        option,
        `a strftime format using %Y %y %m %d %H %I %M %S %f %p %a %A %b %B %j %z %% (bad directive at ${i})`,
        format,
      );
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(directive);
    i++;
  }
  if (literal !== '') parts.push(literal);

  return (time) => {
    const date = new Date(time);
    const fields: Fields = utc
      ? {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth(),
          day: date.getUTCDate(),
          hours: date.getUTCHours(),
          minutes: date.getUTCMinutes(),
          seconds: date.getUTCSeconds(),
          ms: date.getUTCMilliseconds(),
          weekday: date.getUTCDay(),
          offsetMinutes: 0,
        }
      : {
          year: date.getFullYear(),
          month: date.getMonth(),
          day: date.getDate(),
          hours: date.getHours(),
          minutes: date.getMinutes(),
          seconds: date.getSeconds(),
          ms: date.getMilliseconds(),
          weekday: date.getDay(),
          offsetMinutes: -date.getTimezoneOffset(),
        };
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(fields);
    return out;
  };
}
