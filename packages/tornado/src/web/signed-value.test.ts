/**
 * Signed values against tornado's tests (tornado/test/web_test.py: `SignedValueTest`, and the
 * signing half of `SecureCookieV1Test` and `SecureCookieV2Test`, which go through a handler's
 * `set_signed_cookie`/`get_signed_cookie` to these same functions), then against tornado
 * itself: values we sign, decoded by Python's tornado, and values tornado signs, decoded by us,
 * in one child process.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addHandler, genLog, removeHandler, type Handler } from '../log';
import { thrown } from '../log/test-files';
import {
  DEFAULT_SIGNED_VALUE_MIN_VERSION,
  DEFAULT_SIGNED_VALUE_VERSION,
  MAX_SUPPORTED_SIGNED_VALUE_VERSION,
  createSignedValue,
  decodeSignedValue,
  getSignatureKeyVersion,
  type SignedValueSecret,
} from './signed-value';

const SECRET = "It's a secret to everybody";
const SECRET_DICT = { 0: 'asdfbasdf', 1: '12312312', 2: '2342342' };
/** tornado's test clock reads 1300000000 seconds; ours reads milliseconds. */
const PRESENT_S = 1_300_000_000;
const present = (): number => PRESENT_S * 1000;
const past = (): number => (PRESENT_S - 86_400 * 32) * 1000;

const KNOWN_V1 = 'dmFsdWU=|1300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f';
const KNOWN_V2_PREFIX = '2|1:0|10:1300000000|3:key|8:dmFsdWU=|';
const KNOWN_V2_SIGNATURE = '3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152';

/** What `tornado.general` logs while a test runs, like tornado's ExpectLog. */
let warnings: string[] = [];
const capture: Handler = {
  level: 0,
  handle: (record) => void warnings.push(record.message),
  close: () => {},
};
beforeEach(() => {
  warnings = [];
  addHandler(genLog, capture);
});
afterEach(() => removeHandler(genLog, capture));

describe('the versions', () => {
  it("are tornado's", () => {
    expect([
      DEFAULT_SIGNED_VALUE_VERSION,
      DEFAULT_SIGNED_VALUE_MIN_VERSION,
      MAX_SUPPORTED_SIGNED_VALUE_VERSION,
    ]).toEqual([2, 1, 2]);
  });
});

describe('SignedValueTest', () => {
  // #region known-values
  it('signs and reads the known values byte for byte', () => {
    const v1 = createSignedValue(SECRET, 'key', 'value', { version: 1, clock: present });
    expect(v1).toEqual(Buffer.from(KNOWN_V1));
    const v2 = createSignedValue(SECRET, 'key', 'value', { version: 2, clock: present });
    expect(v2).toEqual(Buffer.from(KNOWN_V2_PREFIX + KNOWN_V2_SIGNATURE));
    expect(createSignedValue(SECRET, 'key', 'value', { clock: present })).toEqual(v2);

    expect(decodeSignedValue(SECRET, 'key', v1, { minVersion: 1, clock: present })).toEqual(
      Buffer.from('value'),
    );
    expect(decodeSignedValue(SECRET, 'key', v2, { minVersion: 2, clock: present })).toEqual(
      Buffer.from('value'),
    );
  });
  // #endregion known-values

  it('reads a value given as a string as well as bytes', () => {
    expect(decodeSignedValue(SECRET, 'key', KNOWN_V1, { clock: present })).toEqual(
      Buffer.from('value'),
    );
  });

  it('does not read a value under another name', () => {
    const signed1 = createSignedValue(SECRET, 'key1', 'value', { clock: present });
    const signed2 = createSignedValue(SECRET, 'key2', 'value', { clock: present });
    expect(decodeSignedValue(SECRET, 'key2', signed1, { clock: present })).toBeNull();
    expect(decodeSignedValue(SECRET, 'key1', signed2, { clock: present })).toBeNull();
  });

  it('does not read a value older than maxAgeDays (31 by default)', () => {
    const signed = createSignedValue(SECRET, 'key1', 'value', { clock: past });
    expect(decodeSignedValue(SECRET, 'key1', signed, { clock: past })).toEqual(
      Buffer.from('value'),
    );
    expect(decodeSignedValue(SECRET, 'key1', signed, { clock: present })).toBeNull();
    expect(decodeSignedValue(SECRET, 'key1', signed, { clock: present, maxAgeDays: 33 })).toEqual(
      Buffer.from('value'),
    );
  });

  it('does not read a value whose fields were changed', () => {
    const validate = (prefix: string): boolean =>
      decodeSignedValue(SECRET, 'key', prefix + KNOWN_V2_SIGNATURE, { clock: present })?.equals(
        Buffer.from('value'),
      ) === true;
    expect(validate(KNOWN_V2_PREFIX)).toBe(true);
    // another key version
    expect(validate('2|1:1|10:1300000000|3:key|8:dmFsdWU=|')).toBe(false);
    // a length that does not match: the field too short, then too long
    expect(validate('2|1:0|10:130000000|3:key|8:dmFsdWU=|')).toBe(false);
    expect(validate('2|1:0|10:1300000000|3:keey|8:dmFsdWU=|')).toBe(false);
  });

  it('does not read a value whose signature was changed', () => {
    const validate = (signature: string): boolean =>
      decodeSignedValue(SECRET, 'key', KNOWN_V2_PREFIX + signature, { clock: present })?.equals(
        Buffer.from('value'),
      ) === true;
    expect(validate(KNOWN_V2_SIGNATURE)).toBe(true);
    expect(validate('0'.repeat(32))).toBe(false);
    expect(validate(`4${KNOWN_V2_SIGNATURE.slice(1)}`)).toBe(false);
    expect(validate(`${KNOWN_V2_SIGNATURE.slice(0, -1)}3`)).toBe(false);
    expect(validate(KNOWN_V2_SIGNATURE.slice(0, -1))).toBe(false);
    expect(validate(`${KNOWN_V2_SIGNATURE}8`)).toBe(false);
    expect(validate('')).toBe(false);
  });

  it('signs bytes that are not text', () => {
    const value = Buffer.from([0xe9]);
    const signed = createSignedValue(SECRET, 'key', value, { clock: present });
    expect(decodeSignedValue(SECRET, 'key', signed, { clock: present })).toEqual(value);
  });

  it('signs with the key a key version names and reads with the one the value names', () => {
    const value = Buffer.from([0xe9]);
    for (const keyVersion of [0, 1]) {
      const signed = createSignedValue(SECRET_DICT, 'key', value, { clock: present, keyVersion });
      expect(decodeSignedValue(SECRET_DICT, 'key', signed, { clock: present })).toEqual(value);
      expect(getSignatureKeyVersion(signed)).toBe(keyVersion);
    }
  });

  it('does not read a value whose key is gone', () => {
    const signed = createSignedValue(SECRET_DICT, 'key', Buffer.from([0xe9]), {
      clock: present,
      keyVersion: 0,
    });
    const { 0: _gone, ...newKeys } = SECRET_DICT;
    expect(decodeSignedValue(newKeys, 'key', signed, { clock: present })).toBeNull();
  });

  it('takes no key from the prototype of the keys object', () => {
    const signed = '2|11:constructor|10:1300000000|3:key|8:dmFsdWU=|00';
    expect(decodeSignedValue(SECRET_DICT, 'key', signed, { clock: present })).toBeNull();
  });
});

describe('SecureCookieV1Test', () => {
  const secret = '0123456789';

  it('round-trips', () => {
    const signed = createSignedValue(secret, 'foo', Buffer.from('bar'), { version: 1 });
    expect(decodeSignedValue(secret, 'foo', signed, { minVersion: 1 })).toEqual(Buffer.from('bar'));
  });

  it('refuses digits moved from the payload into the timestamp, and logs it', () => {
    // These bytes base64-encode to '12345678'.
    const signed = createSignedValue(secret, 'foo', Buffer.from('d76df8e7aefc', 'hex'), {
      version: 1,
    }).toString();
    const match = /^12345678\|([0-9]+)\|([0-9a-f]+)$/.exec(signed);
    expect(match).not.toBeNull();
    const [, timestamp, signature] = match!;
    const v1Signature = (...parts: string[]): string => {
      const hmac = createHmac('sha1', secret);
      for (const part of parts) hmac.update(part);
      return hmac.digest('hex');
    };
    expect(v1Signature('foo', '12345678', timestamp!)).toBe(signature);
    // Moving digits across the boundary keeps the signature (a flaw of v1, kept for
    // compatibility)...
    expect(v1Signature('foo', '1234', `5678${timestamp!}`)).toBe(signature);
    // ...so the timestamp is checked instead: far in the future, it is refused.
    const tampered = `1234|5678${timestamp!}|${signature!}`;
    expect(decodeSignedValue(secret, 'foo', tampered, { minVersion: 1 })).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/^Cookie timestamp in future/)]);
  });

  it('signs arbitrary bytes', () => {
    const signed = createSignedValue(secret, 'foo', Buffer.from([0xe9]), { version: 1 });
    expect(decodeSignedValue(secret, 'foo', signed, { minVersion: 1 })).toEqual(
      Buffer.from([0xe9]),
    );
  });

  it('logs a bad signature, an expired value and a timestamp starting with 0', () => {
    expect(decodeSignedValue(SECRET, 'key', KNOWN_V1.replace('4f', '4e'), { clock: present }));
    expect(decodeSignedValue(SECRET, 'key', KNOWN_V1, { clock: present, maxAgeDays: -1 }));
    // Digits moved the other way: from the timestamp's front into the payload.
    const hmac = createHmac('sha1', SECRET).update('key').update('dmFsdWU=1').update('0');
    const zero = `dmFsdWU=1|0|${hmac.digest('hex')}`;
    expect(decodeSignedValue(SECRET, 'key', zero, { clock: () => 0 })).toBeNull();
    expect(warnings).toEqual([
      expect.stringMatching(/^Invalid cookie signature "dmFsdWU=/),
      expect.stringMatching(/^Expired cookie /),
      expect.stringMatching(/^Tampered cookie /),
    ]);
  });

  it('refuses a v1 value with minVersion 2', () => {
    expect(
      decodeSignedValue(SECRET, 'key', KNOWN_V1, { clock: present, minVersion: 2 }),
    ).toBeNull();
  });

  it('reads a v1 value with key-version secrets as null, where tornado fails an assertion', () => {
    expect(decodeSignedValue(SECRET_DICT, 'key', KNOWN_V1, { clock: present })).toBeNull();
  });
});

describe('SecureCookieV2Test', () => {
  const KEY_VERSIONS = { 0: 'ajklasdf0ojaisdf', 1: 'aslkjasaolwkjsdf' };

  it('round-trips', () => {
    const signed = createSignedValue('0123456789', 'foo', Buffer.from('bar'), { version: 2 });
    expect(decodeSignedValue('0123456789', 'foo', signed, { minVersion: 2 })).toEqual(
      Buffer.from('bar'),
    );
  });

  it('round-trips with key versions, whichever signs', () => {
    for (const keyVersion of [0, 1]) {
      const signed = createSignedValue(KEY_VERSIONS, 'foo', 'bar', { keyVersion });
      expect(decodeSignedValue(KEY_VERSIONS, 'foo', signed)).toEqual(Buffer.from('bar'));
    }
  });

  it('still reads a value signed with the older key once a newer one signs', () => {
    const old = createSignedValue(KEY_VERSIONS, 'foo', 'bar', { keyVersion: 0 });
    createSignedValue(KEY_VERSIONS, 'foo', 'bar', { keyVersion: 1 });
    expect(decodeSignedValue(KEY_VERSIONS, 'foo', old)).toEqual(Buffer.from('bar'));
  });

  it('no longer reads it once the older key is dropped', () => {
    const old = createSignedValue(KEY_VERSIONS, 'foo', 'bar', { keyVersion: 0 });
    expect(decodeSignedValue({ 1: KEY_VERSIONS[1] }, 'foo', old)).toBeNull();
  });
});

describe('the format, in detail', () => {
  it('records whole seconds of a millisecond clock', () => {
    const signed = createSignedValue(SECRET, 'key', 'value', { clock: () => 1_300_000_000_999 });
    expect(signed.toString()).toBe(KNOWN_V2_PREFIX + KNOWN_V2_SIGNATURE);
  });

  it('writes the key version even with a single secret, and signs with that secret', () => {
    const signed = createSignedValue(SECRET, 'key', 'value', { clock: present, keyVersion: 7 });
    expect(signed.toString()).toMatch(/^2\|1:7\|10:1300000000\|3:key\|8:dmFsdWU=\|[0-9a-f]{64}$/);
    expect(getSignatureKeyVersion(signed)).toBe(7);
    expect(decodeSignedValue(SECRET, 'key', signed, { clock: present })).toEqual(
      Buffer.from('value'),
    );
  });

  it('reads nothing from an empty or missing value', () => {
    for (const value of [null, undefined, '', Buffer.alloc(0)]) {
      expect(decodeSignedValue(SECRET, 'key', value)).toBeNull();
    }
  });

  it('reads malformed values as null, and their key version as null', () => {
    for (const value of ['garbage', '2|', '2|1:0|', '2|x:0|', '3|1:0|x', '1000|a|b', '2|1:0\n|']) {
      expect(decodeSignedValue(SECRET, 'key', value, { clock: present })).toBeNull();
    }
    expect(getSignatureKeyVersion(KNOWN_V1)).toBeNull();
    expect(getSignatureKeyVersion('2|1:0|10:1')).toBeNull();
    // The key version is read without checking the signature, as tornado reads it.
    expect(getSignatureKeyVersion('2|2:42|0:|0:|0:|not-a-signature')).toBe(42);
  });

  it('reads lengths as Python int() reads them', () => {
    const signed = '2|1:0| 10 :1300000000|3:key|8:dmFsdWU=|';
    const signature = createHmac('sha256', SECRET).update(signed).digest('hex');
    expect(decodeSignedValue(SECRET, 'key', signed + signature, { clock: present })).toEqual(
      Buffer.from('value'),
    );
  });

  it('decodes base64 as Python does: data after a closing pad ignored, a cut quad refused', () => {
    const sign = (payload: string): string => {
      const toSign = `2|1:0|10:1300000000|3:key|${payload.length}:${payload}|`;
      return toSign + createHmac('sha256', SECRET).update(toSign).digest('hex');
    };
    const decode = (payload: string): Buffer | null =>
      decodeSignedValue(SECRET, 'key', sign(payload), { clock: present });
    expect(decode('dmFsdWU=13')).toEqual(Buffer.from('value'));
    expect(decode('dm Fs')).toEqual(Buffer.from('val'));
    expect(decode('dmFsdWU')).toBeNull();
    expect(decode('dmFsd')).toBeNull();
  });

  it('writes the length of a name in characters, as tornado does, so a non-ASCII name never reads', () => {
    const signed = createSignedValue(SECRET, 'clé', 'v', { clock: present });
    expect(signed.toString()).toMatch(/^2\|1:0\|10:1300000000\|3:clé\|4:dg==\|/);
    expect(decodeSignedValue(SECRET, 'clé', signed, { clock: present })).toBeNull();
  });

  it('throws named errors for bad arguments and options', () => {
    expect(thrown(() => createSignedValue(42 as never, 'k', 'v')).code).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(() => createSignedValue(SECRET, 42 as never, 'v')).toThrow(
      'createSignedValue(): name must be a string, got 42',
    );
    expect(thrown(() => createSignedValue(SECRET, 'k', 42 as never)).code).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(() => createSignedValue(SECRET, 'k', 'v', { version: 3 })).toThrow(
      'createSignedValue(): version must be 1 or 2, got 3',
    );
    expect(() => createSignedValue(SECRET_DICT, 'k', 'v', { version: 1 })).toThrow(RangeError);
    expect(() => createSignedValue(SECRET_DICT, 'k', 'v')).toThrow(TypeError);
    expect(() => createSignedValue(SECRET_DICT, 'k', 'v', { keyVersion: 9 })).toThrow(RangeError);
    expect(() => createSignedValue({ a: 'x' } as SignedValueSecret, 'k', 'v')).toThrow(RangeError);
    expect(thrown(() => createSignedValue(SECRET, 'k', 'v', { clock: () => NaN })).code).toBe(
      'ERR_INVALID_ARG_VALUE',
    );
    expect(() => decodeSignedValue(SECRET, 'k', 'v', { minVersion: 3 })).toThrow(
      'decodeSignedValue(): minVersion must be at most 2, got 3',
    );
    expect(() => decodeSignedValue(SECRET, 'k', 'v', { maxAgeDays: '1' as never })).toThrow(
      TypeError,
    );
    expect(() => getSignatureKeyVersion(null as never)).toThrow(TypeError);
  });
});

// ─── Against tornado ────────────────────────────────────────────────────────────────────────────

const PYTHON = '/usr/bin/python3';

/** Why Python's tornado cannot be asked here, or null if it can. */
function tornadoMissing(): string | null {
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const probe = spawnSync(PYTHON, ['-c', 'import tornado.web'], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  return probe.status === 0 ? null : `${PYTHON} cannot import tornado.web`;
}

/**
 * Reads requests as JSON from stdin: `create` (tornado signs; we compare its bytes with ours
 * and decode them), `decode` (tornado decodes what we signed) and `key_version`. Bytes travel
 * as hex; a secret dict's keys as strings, made ints again here. Python's clock is seconds.
 */
const ORACLE = String.raw`
import json, logging, sys
from tornado.web import create_signed_value, decode_signed_value, get_signature_key_version
logging.getLogger('tornado.general').disabled = True

def secret(s):
    if isinstance(s, dict) and 'b' in s: return bytes.fromhex(s['b'])
    if isinstance(s, dict): return {int(k): v for k, v in s.items()}
    return s

out = []
for request in json.loads(sys.stdin.read()):
    op = request['op']
    try:
        if op == 'create':
            got = create_signed_value(secret(request['secret']), request['name'],
                bytes.fromhex(request['value']), version=request['version'],
                clock=lambda: request['clock'], key_version=request['key_version'])
        elif op == 'decode':
            got = decode_signed_value(secret(request['secret']), request['name'],
                bytes.fromhex(request['value']), max_age_days=request['max_age_days'],
                clock=lambda: request['clock'], min_version=request['min_version'])
        else:
            got = get_signature_key_version(bytes.fromhex(request['value']))
        out.append({'ok': got.hex() if isinstance(got, bytes) else got})
    except Exception as e:
        out.append({'error': type(e).__name__})
print(json.dumps(out))
`;

interface Signing {
  readonly secret: SignedValueSecret;
  readonly name: string;
  readonly value: Buffer;
  readonly version: 1 | 2;
  readonly keyVersion: number | null;
  readonly clockS: number;
}

interface Reading {
  readonly secret: SignedValueSecret;
  readonly name: string;
  readonly maxAgeDays: number;
  readonly clockS: number;
  readonly minVersion: number;
}

const KEYS = { 0: 'zero key', 1: 'one key', 7: 'seven key' };
const SIGNINGS: Signing[] = [];
for (const value of [
  Buffer.from('value'),
  Buffer.alloc(0),
  Buffer.from('é and 😀'),
  Buffer.from([0xe9, 0x00, 0xff]),
  Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7) % 256)),
]) {
  for (const name of ['key', 'session_id', 'clé']) {
    SIGNINGS.push(
      { secret: SECRET, name, value, version: 1, keyVersion: null, clockS: PRESENT_S },
      { secret: SECRET, name, value, version: 2, keyVersion: null, clockS: PRESENT_S },
      { secret: SECRET, name, value, version: 2, keyVersion: 3, clockS: PRESENT_S + 0.999 },
      {
        secret: Buffer.from([0xff, 0x00, 0x80]),
        name,
        value,
        version: 1,
        keyVersion: null,
        clockS: 1,
      },
      { secret: KEYS, name, value, version: 2, keyVersion: 0, clockS: PRESENT_S },
      { secret: KEYS, name, value, version: 2, keyVersion: 7, clockS: 2_000_000_000 },
    );
  }
}

/** Ways to read each signed value: as signed, later, much later, with v1 refused, elsewhere. */
function readings(signing: Signing): Reading[] {
  const { secret, name, clockS } = signing;
  const otherSecret =
    typeof secret === 'object' && !(secret instanceof Uint8Array)
      ? { 0: 'zero key' }
      : 'another secret';
  return [
    { secret, name, maxAgeDays: 31, clockS, minVersion: 1 },
    { secret, name, maxAgeDays: 31, clockS: clockS + 31 * 86_400 - 1, minVersion: 1 },
    { secret, name, maxAgeDays: 31, clockS: clockS + 31 * 86_400 + 1, minVersion: 1 },
    { secret, name, maxAgeDays: 0.5, clockS: clockS + 86_400 / 4, minVersion: 1 },
    { secret, name, maxAgeDays: 31, clockS: clockS - 40 * 86_400, minVersion: 1 },
    { secret, name, maxAgeDays: 31, clockS, minVersion: 2 },
    { secret, name: 'other', maxAgeDays: 31, clockS, minVersion: 1 },
    { secret: otherSecret, name, maxAgeDays: 31, clockS, minVersion: 1 },
  ];
}

/** Values neither side signed: malformed, truncated, tampered. */
const FORGERIES = [
  'garbage',
  '2|',
  '2|1:0|',
  '2|1:0|10:1300000000|3:key|8:dmFsdWU=|',
  `${KNOWN_V2_PREFIX}${KNOWN_V2_SIGNATURE}\n`,
  `${KNOWN_V2_PREFIX}\n${KNOWN_V2_SIGNATURE}`,
  `2|1:0|10:1300000000|3:key|8:dmFsdWU=|${KNOWN_V2_SIGNATURE.toUpperCase()}`,
  '2| 1:0|10:1300000000|3:key|8:dmFsdWU=|x',
  '2|1_0:0123456789|0:|0:|0:|',
  '2|-1:0|',
  '2|-2:0||',
  '2|+1:9|0:|0:|0:|sig',
  '3|1:0|',
  '12|1:0|',
  '1234|1:0|',
  KNOWN_V1,
  KNOWN_V1.replace('|1300000000|', '|1300000001|'),
  'dmFsd|WU=1300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f',
  'dmFsdWU=1|300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f',
  '|||',
].map((text) => Buffer.from(text, 'latin1'));

const wireSecret = (secret: SignedValueSecret): unknown =>
  secret instanceof Uint8Array ? { b: Buffer.from(secret).toString('hex') } : secret;

type Reply = { ok: unknown } | { error: string };

const missing = tornadoMissing();
const describePython = missing === null ? describe : describe.skip;

/**
 * The requests for tornado, and for each a check of its reply against ours. Built inside the
 * test, so that what the v1 decodes log goes to the test's handler.
 */
function againstTornado(): {
  requests: Record<string, unknown>[];
  checks: ((replies: Reply[]) => string | null)[];
} {
  const requests: Record<string, unknown>[] = [];
  /** Each check: the request's index, and what it compares once tornado has answered. */
  const checks: ((replies: Reply[]) => string | null)[] = [];
  const ask = (request: Record<string, unknown>): number => requests.push(request) - 1;
  const decodeOptions = (r: Reading) => ({
    maxAgeDays: r.maxAgeDays,
    clock: () => r.clockS * 1000,
    minVersion: r.minVersion,
  });
  const decodeRequest = (r: Reading, value: Buffer) => ({
    op: 'decode',
    secret: wireSecret(r.secret),
    name: r.name,
    value: value.toString('hex'),
    max_age_days: r.maxAgeDays,
    clock: r.clockS,
    min_version: r.minVersion,
  });
  const ourDecode = (r: Reading, value: Buffer): string | null =>
    decodeSignedValue(r.secret, r.name, value, decodeOptions(r))?.toString('hex') ?? null;
  const describeCase = (what: string, value: Buffer, r?: Reading): string =>
    `${what} ${JSON.stringify(value.toString('latin1'))}${r ? ` read with ${JSON.stringify({ ...r, secret: wireSecret(r.secret) })}` : ''}`;

  for (const s of SIGNINGS) {
    const ours = createSignedValue(s.secret, s.name, s.value, {
      version: s.version,
      keyVersion: s.keyVersion,
      clock: () => s.clockS * 1000,
    });
    // tornado signs the same: the two must be the same bytes.
    const created = ask({
      op: 'create',
      secret: wireSecret(s.secret),
      name: s.name,
      value: s.value.toString('hex'),
      version: s.version,
      clock: s.clockS,
      key_version: s.keyVersion,
    });
    checks.push((replies) => {
      const reply = replies[created]!;
      return 'ok' in reply && reply.ok === ours.toString('hex')
        ? null
        : `${describeCase('tornado signed differently from us:', ours)}: ${JSON.stringify(reply)}`;
    });
    for (const r of readings(s)) {
      // tornado reads ours; we read tornado's (which, checked above, are the same bytes).
      const theirs = ask(decodeRequest(r, ours));
      const ourReading = ourDecode(r, ours);
      checks.push((replies) => {
        const reply = replies[theirs]!;
        const same = 'ok' in reply && reply.ok === ourReading;
        return same
          ? null
          : `${describeCase('decoded differently:', ours, r)}: ours ${ourReading}, tornado's ${JSON.stringify(reply)}`;
      });
    }
    const keyVersion = ask({ op: 'key_version', value: ours.toString('hex') });
    checks.push((replies) => {
      const reply = replies[keyVersion]!;
      const mine = getSignatureKeyVersion(ours);
      return 'ok' in reply && reply.ok === mine
        ? null
        : `${describeCase('key version differs:', ours)}: ours ${mine}, tornado's ${JSON.stringify(reply)}`;
    });
  }

  for (const forged of FORGERIES) {
    for (const r of [
      { secret: SECRET, name: 'key', maxAgeDays: 31, clockS: PRESENT_S, minVersion: 1 },
      { secret: SECRET, name: 'key', maxAgeDays: 1e9, clockS: PRESENT_S, minVersion: 1 },
    ]) {
      const theirs = ask(decodeRequest(r, forged));
      const ourReading = ourDecode(r, forged);
      checks.push((replies) => {
        const reply = replies[theirs]!;
        // A raise in tornado (int() of a field it trusted) is a null here.
        const same = 'ok' in reply ? reply.ok === ourReading : ourReading === null;
        return same
          ? null
          : `${describeCase('decoded differently:', forged, r)}: ours ${ourReading}, tornado's ${JSON.stringify(reply)}`;
      });
    }
    const keyVersion = ask({ op: 'key_version', value: forged.toString('hex') });
    checks.push((replies) => {
      const reply = replies[keyVersion]!;
      const mine = getSignatureKeyVersion(forged);
      return 'ok' in reply && reply.ok === mine
        ? null
        : `${describeCase('key version differs:', forged)}: ours ${mine}, tornado's ${JSON.stringify(reply)}`;
    });
  }

  return { requests, checks };
}

describePython(
  `against Python's tornado${missing === null ? '' : ` [skipped: ${missing}]`}`,
  () => {
    it(`signs and reads as tornado does, over ${SIGNINGS.length} signings and ${FORGERIES.length} forgeries`, () => {
      const { requests, checks } = againstTornado();
      const child = spawnSync(PYTHON, ['-c', ORACLE], {
        input: JSON.stringify(requests),
        encoding: 'utf8',
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (child.status !== 0) throw new Error(`python failed: ${child.stderr}`);
      const replies = JSON.parse(child.stdout) as Reply[];
      expect(replies).toHaveLength(requests.length);
      const differences = checks.map((check) => check(replies)).filter((d) => d !== null);
      expect(differences).toEqual([]);
    });

    it('differs on purpose on one point: a v1 value with key-version secrets', () => {
      const request = {
        op: 'decode',
        secret: SECRET_DICT,
        name: 'key',
        value: Buffer.from(KNOWN_V1).toString('hex'),
        max_age_days: 31,
        clock: PRESENT_S,
        min_version: 1,
      };
      const child = spawnSync(PYTHON, ['-c', ORACLE], {
        input: JSON.stringify([request]),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(JSON.parse(child.stdout)).toEqual([{ error: 'AssertionError' }]);
      expect(decodeSignedValue(SECRET_DICT, 'key', KNOWN_V1, { clock: present })).toBeNull();
    });
  },
);
