/**
 * Test data for the compression cases, made here rather than shipped: Autobahn uses five files
 * (a JSON document, a 512×512 grey bitmap, Goethe's Faust from Project Gutenberg, an HTML page,
 * a PDF); these are generated stand-ins with the same character, deterministic so every run
 * sends the same octets: structured text that compresses well, a smooth image with noise,
 * German prose with umlauts, markup, and near-random octets that barely compress.
 */
export interface CompressionData {
  key: string;
  description: string;
  /** Sent as binary messages (Autobahn sends Faust, the bitmap and the PDF as binary). */
  binary: boolean;
  data: Buffer;
}

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function json(): Buffer {
  const rnd = random(1);
  const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const items = Array.from({ length: 1200 }, (_, i) => ({
    id: i,
    name: `${names[i % names.length]}-${Math.floor(rnd() * 1e6)}`,
    active: rnd() > 0.5,
    score: Math.round(rnd() * 1e4) / 100,
    tags: names.filter(() => rnd() > 0.7),
    note: 'Grüße aus Köln — naïve café, ½ price',
  }));
  return Buffer.from(JSON.stringify({ items }, null, 1), 'utf8');
}

function bitmap(): Buffer {
  const rnd = random(2);
  const side = 512;
  const header = Buffer.from('BM fake 8-bit grey bitmap header '.padEnd(1078, '\0'), 'latin1');
  const pixels = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      pixels[y * side + x] = (128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + rnd() * 24) & 0xff;
  return Buffer.concat([header, pixels]);
}

function prose(): Buffer {
  const rnd = random(3);
  const words = [
    'Habe',
    'nun',
    'ach',
    'Philosophie',
    'Juristerei',
    'und',
    'Medizin',
    'leider',
    'auch',
    'Theologie',
    'durchaus',
    'studiert',
    'mit',
    'heißem',
    'Bemühn',
    'Da',
    'steh',
    'ich',
    'armer',
    'Tor',
    'bin',
    'so',
    'klug',
    'als',
    'wie',
    'zuvor',
    'Gretchen',
    'Mephistopheles',
    'Schüler',
    'Größe',
    'über',
    'Töne',
    'Verweile',
    'doch',
    'du',
    'bist',
    'schön',
  ];
  let out = '';
  while (out.length < 220_000) {
    const line = Array.from(
      { length: 4 + Math.floor(rnd() * 9) },
      () => words[Math.floor(rnd() * words.length)]!,
    );
    out += `${line.join(' ')}${rnd() > 0.8 ? '!' : ','}\n`;
  }
  return Buffer.from(out, 'utf8');
}

function html(): Buffer {
  const rnd = random(4);
  let out = '<!DOCTYPE html>\n<html><head><title>Übersicht</title></head><body>\n';
  for (let i = 0; out.length < 150_000; i++) {
    out += `<div class="row r${i % 7}"><a href="/item/${i}?ref=${Math.floor(rnd() * 1e5)}">Eintrag ${i}</a>`;
    out += `<span class="price">${(rnd() * 100).toFixed(2)} €</span><p>Lorem ipsum dolor sit amet, ${i} façade.</p></div>\n`;
  }
  return Buffer.from(`${out}</body></html>\n`, 'utf8');
}

function pdfLike(): Buffer {
  const rnd = random(5);
  const body = Buffer.alloc(300_000);
  for (let i = 0; i < body.length; i++) body[i] = rnd() < 0.85 ? Math.floor(rnd() * 256) : 0x20;
  return Buffer.concat([Buffer.from('%PDF-1.4\n', 'latin1'), body]);
}

let cached: CompressionData[] | null = null;

/** The data sets, in Autobahn's order (12.1 JSON, 12.2 bitmap, 12.3 Faust, 12.4 HTML, 12.5 PDF). */
export function compressionData(): CompressionData[] {
  cached ??= [
    { key: 'json', description: 'Large JSON data (utf8)', binary: false, data: json() },
    { key: 'bitmap', description: 'A 512x512 grey bitmap (binary)', binary: true, data: bitmap() },
    { key: 'faust', description: 'German verse, Faust-like (binary)', binary: true, data: prose() },
    { key: 'html', description: 'Large HTML page (utf8)', binary: false, data: html() },
    {
      key: 'pdf',
      description: 'Near-random octets, PDF-like (binary)',
      binary: true,
      data: pdfLike(),
    },
  ];
  return cached;
}
