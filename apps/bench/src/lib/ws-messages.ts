/**
 * The messages `pnpm bench websocket` sends, the same in every run and for every server (a seeded
 * generator): text messages that read like a chat application's, JSON objects of English words,
 * as compressible as such text is (deflate takes a 1 KiB one to about a half), and binary
 * messages of random bytes, which do not compress.
 */

/** A small, seeded PRNG (mulberry32): the same messages in every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is that it for was on are as with his they at be this from have or by one ' +
  'had not but what all were when we there can an your which their said if do will each about ' +
  'how up out them then she many some so these would other into has more her two like him see ' +
  'time could no make than first been its who now people my made over did down only way find ' +
  'use may water long little very after words called just where most know get through back ' +
  'much before go good new write our used me man too any day same right look think also around ' +
  'another came come work three word must because does part even place well such here take why ' +
  'things help put years different away again off went old number great tell men say small ' +
  'every found still between name should home big give air line set own under read last never ' +
  'us left end along while might next sound below saw something thought both few those always ' +
  'looked show large often together asked house world going want school important until form'
).split(' ');

const NAMES = ['ann', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

/**
 * `count` text messages of exactly `size` bytes (ASCII, so as many characters): each a chat
 * message as JSON, `{"id":…,"from":…,"room":…,"body":"…"}`, its body words up to the size.
 */
export function textMessages(count: number, size: number, seed = 1): Buffer[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const head = `{"id":${1000 + i},"from":"${pick(NAMES)}","room":"lobby","body":"`;
    const tail = '"}';
    let body = '';
    while (head.length + body.length + tail.length < size) body += `${pick(WORDS)} `;
    body = body.slice(0, size - head.length - tail.length);
    return Buffer.from(head + body + tail, 'latin1');
  });
}

/** `count` binary messages of `size` random bytes. */
export function binaryMessages(count: number, size: number, seed = 2): Buffer[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const message = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) message[i] = Math.floor(next() * 256);
    return message;
  });
}
