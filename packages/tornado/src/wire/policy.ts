/**
 * Test support (never imported by the library): where our HTTP/1 server deliberately does not do
 * what strict llhttp does, case by case, with what it does instead and why. The wire suites fail
 * on a disagreement that is not listed here, on a listed case where the server does something
 * other than what its entry says, and on an entry that no longer disagrees.
 *
 * Ids: `request/<file>.md#<heading>` for a llhttp corpus case as written, `… +Host` for the same
 * case with `Host: x` added to its HTTP/1.1 messages, `mutation:<family>:<label>` for the
 * differential suite's generated inputs.
 */
import type { Expectation } from './harness';

/** What the server does instead. */
export type Ours =
  /** This status, then a close. */
  | { readonly reject: number }
  /** No answer and no close: the header block is not complete yet, so it is not judged yet. */
  | { readonly wait: true }
  /** No answer, and a close. */
  | { readonly close: true }
  /** Accepted: these requests answered 200 (`METHOD target[ body]` each), the connection kept open. */
  | { readonly accept: readonly string[] };

export interface Policy {
  readonly name: string;
  readonly why: string;
  readonly ours: Ours;
  /** Case and mutation ids. */
  readonly cases: readonly string[];
}

/** What a framing mutation accepted means: the body `hello`, then the pipelined `GET /second`. */
const FRAMED_HELLO = ['POST /f hello', 'GET /second'] as const;

export const POLICIES: readonly Policy[] = [
  {
    name: 'host-required',
    why: 'RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host field, with more than one, or with an invalid one (a space, userinfo; and a comma, which a reg-name may hold but which HTTPServerRequest takes for a list, as tornado does), absolute-form included. llhttp leaves Host to the application; its corpus seldom sends one, so each corpus case here also runs as `+Host`, which must do what llhttp does',
    ours: { reject: 400 },
    cases: [
      'request/connection.md#Emitting part of body and pausing',
      'request/connection.md#Multiple tokens with folding and LWS',
      'request/connection.md#Restarting when keep-alive is explicitly',
      'request/connection.md#Sample',
      'request/connection.md#Setting a flag and pausing',
      'request/connection.md#Setting flag',
      'request/connection.md#Setting flag on `close`',
      'request/connection.md#Setting flag on `close` followed by tab',
      'request/content-length.md#Spaces in `Content-Length` (surrounding)',
      'request/content-length.md#Tabs in `Content-Length` (surrounding)',
      'request/content-length.md#`Content-Length` with follow-up headers',
      'request/content-length.md#`Content-Length` with zeroes',
      'request/finish.md#It should be safe to finish after GET request',
      'request/method.md#REPORT request',
      'request/pausing.md#on_chunk_complete',
      'request/pausing.md#on_chunk_extension_name',
      'request/pausing.md#on_chunk_extension_value',
      'request/pausing.md#on_chunk_header',
      'request/pausing.md#on_header_field_complete',
      'request/pausing.md#on_header_value_complete',
      'request/pausing.md#on_headers_complete',
      'request/pausing.md#on_message_begin',
      'request/pausing.md#on_message_complete',
      'request/pausing.md#on_method_complete',
      'request/pausing.md#on_protocol_complete',
      'request/pausing.md#on_url_complete',
      'request/pausing.md#on_version_complete',
      'request/pipelining.md#Should parse multiple events',
      'request/sample.md#255 ASCII in header value',
      'request/sample.md#DUMBPACK',
      'request/sample.md#Extended Characters',
      'request/sample.md#No headers and no body',
      'request/sample.md#One header and no body',
      'request/sample.md#Prefix newline',
      'request/sample.md#Request starting with CRLF',
      'request/sample.md#Request with method starting with `H`',
      'request/sample.md#Simple request',
      'request/transfer-encoding.md#Chunk extensions',
      'request/transfer-encoding.md#Chunk extensions quoting',
      'request/transfer-encoding.md#POST with `Transfer-Encoding: chunked`',
      'request/transfer-encoding.md#Parse chunks with lowercase size',
      'request/transfer-encoding.md#Parse chunks with uppercase size',
      'request/transfer-encoding.md#Parsing and setting flag',
      'request/transfer-encoding.md#Trailing headers',
      'request/transfer-encoding.md#Two chunks and triple zero prefixed end chunk',
      'request/uri.md#Host terminated by a query string',
      'request/uri.md#Query URL with question mark',
      'request/uri.md#Query URL with vertical bar character',
      'request/uri.md#Quotes in URI',
      'request/uri.md#`host:port` terminated by a query string',
      'request/uri.md#`host:port` terminated by a space',
      'mutation:host:two-fields',
      'mutation:host:comma-list',
      'mutation:host:comma-no-space',
      'mutation:host:space-inside',
      'mutation:host:userinfo',
    ],
  },
  {
    name: 'header-block-judged-whole',
    why: 'the request line and headers are read up to the empty line that ends them (or a bare CR or LF: 400 at once), then judged; llhttp rejects these prefixes at the offending byte, before the block ends. Nothing is accepted early, a bad block is only rejected when it ends — or the connection closed at maxHeaderSize or the header timeout. (RFC 9112 asks for neither)',
    ours: { wait: true },
    cases: [
      'request/content-length.md#Error on `Content-Length` overflow',
      'request/content-length.md#Error on `Content-Length` overflow +Host',
      'request/content-length.md#Error on duplicate `Content-Length`',
      'request/content-length.md#Error on duplicate `Content-Length` +Host',
      'request/invalid.md#Invalid HTTP version',
      'request/invalid.md#Invalid space after start line',
      'request/invalid.md#Invalid space after start line +Host',
    ],
  },
  {
    name: 'connect-refused',
    why: 'not a proxy: CONNECT is answered 405 (RFC 9110 §9.3.6 leaves it to proxies); llhttp hands the connection over as an upgrade',
    ours: { reject: 405 },
    cases: [
      'request/method.md#CONNECT request',
      'request/method.md#CONNECT request with CAPS',
      'request/method.md#CONNECT with body',
      'request/uri.md#Underscore in hostname',
    ],
  },
  {
    name: 'unknown-method',
    why: 'a method that is a token but not in the IANA registry (http1connection/methods.ts) is 405 (RFC 9110 §9.1: 501 or 405 are both allowed); llhttp knows a fixed list of its own, with M-SEARCH, PURGE, SOURCE',
    ours: { reject: 405 },
    cases: [
      'request/method.md#M-SEARCH request',
      'request/method.md#PURGE request',
      'request/method.md#SOURCE request',
    ],
  },
  {
    name: 'http-only',
    why: 'RFC 9112 §2.3: HTTP-version is `HTTP/` DIGIT `.` DIGIT; llhttp also parses RTSP/1.0 and ICE/1.0 (SHOUTcast) request lines',
    ours: { reject: 400 },
    cases: [
      'request/method.md#ANNOUNCE request with RTSP',
      'request/method.md#OPTIONS request with RTSP',
      'request/method.md#SOURCE request with ICE',
    ],
  },
  {
    name: 'no-http-0.9',
    why: 'a request line without a version (HTTP/0.9, `GET /`) is malformed for RFC 9112 §3; llhttp takes it as 0.9',
    ours: { reject: 400 },
    cases: ['request/sample.md#No HTTP version'],
  },
  {
    name: 'no-fragment-in-target',
    why: 'RFC 9112 §3.2: no request-target form has a `#fragment` (RFC 9110 §7.1: the target URI excludes it); llhttp passes it in the URL. (The `chunked as last` cases are also TE `deflate, chunked`, which is 400 too: Transfer-Encoding must be exactly `chunked`)',
    ours: { reject: 400 },
    cases: [
      'request/uri.md#Fragment in URI',
      'request/uri.md#Fragment in URI +Host',
      'mutation:target-inner:0x23',
      'request/transfer-encoding.md#POST with `chunked` as last transfer-encoding',
      'request/transfer-encoding.md#POST with `chunked` as last transfer-encoding +Host',
      'request/transfer-encoding.md#POST with `chunked` as last transfer-encoding (multiple headers)',
      'request/transfer-encoding.md#POST with `chunked` as last transfer-encoding (multiple headers) +Host',
    ],
  },
  {
    name: 'no-userinfo',
    why: 'RFC 9110 §4.2.4: userinfo in an http(s) URI is an error for a recipient (phishing); llhttp accepts `user:pass@` in an absolute-form target',
    ours: { reject: 400 },
    cases: [
      'request/uri.md#`host:port` and basic auth',
      'request/uri.md#`host:port` and basic auth +Host',
    ],
  },
  {
    name: 'transfer-encoding-exactly-chunked',
    why: 'we take exactly one `chunked` and nothing else (400): no gzip/deflate/identity before it, no empty members, no second field, nothing two parsers could read two ways. RFC 9112 §6.3 requires 400 only when chunked is not last; for a coding the server does not implement §6.1 says SHOULD 501 (we answer 400). llhttp accepts any list that ends in `chunked`',
    ours: { reject: 400 },
    cases: [
      'mutation:te:,chunked',
      'mutation:te:gzip,\\x20chunked',
      'mutation:te:deflate,chunked',
      'mutation:te:identity,\\x20chunked',
      'mutation:te:',
      'mutation:te:\\x20',
      'mutation:te-te:gzip,chunked',
      'mutation:te-te:chunked,empty',
    ],
  },
  {
    name: 'no-transfer-encoding-in-http-1.0',
    why: 'RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing (a 1.0 intermediary would not have understood it), to be treated as such; llhttp decodes it',
    ours: { reject: 400 },
    cases: ['mutation:http10-te:chunked'],
  },
  {
    name: 'max-header-size',
    why: "a request line and headers over maxHeaderSize (64 KiB by default; the differential gives Node's llhttp the same limit) close the connection without an answer, as tornado does; Node answers 431",
    ours: { close: true },
    cases: ['mutation:size:head-over-max'],
  },
  {
    name: 'bare-lf',
    why: 'RFC 9112 §2.2 lets a recipient take a bare LF as a line end, or not; we do not, anywhere (400), so no two readers of the same bytes disagree on where a line ends. llhttp strict rejects bare LF in the head too, but skips one before the request line',
    ours: { reject: 400 },
    cases: ['mutation:crlf:bare-lf-before-request-line'],
  },
  {
    name: 'max-body-size',
    why: 'a Content-Length over maxBodySize (100 MiB by default) is refused at once with 413; llhttp has no limit and waits for the 4 GB body',
    ours: { reject: 413 },
    cases: ['mutation:cl:4294967301'],
  },
  {
    name: 'chunk-extension-grammar',
    why: 'RFC 9112 §7.1.1: a chunk-ext-name is a token, so `;=b` is malformed (400); llhttp takes an empty extension name',
    ours: { reject: 400 },
    cases: ['mutation:chunk-size:5;=b'],
  },
  {
    name: 'htab-around-framing-values',
    why: "RFC 9110 §5.5: a field value is trimmed of SP and HTAB (OWS). Node 20's llhttp 9.3.1 rejects an HTAB after a Content-Length or Transfer-Encoding value; llhttp 9.4.2 takes it (the corpus's `Tabs in Content-Length (surrounding)`), as we do",
    ours: { accept: FRAMED_HELLO },
    cases: ['mutation:cl:5\\x09', 'mutation:te:chunked\\x09'],
  },
  {
    name: 'equal-content-lengths',
    why: "RFC 9110 §8.6: a list of identical Content-Length values (a proxy's duplication, in one field or several) may be read as that one value, or rejected; we read it, llhttp rejects it. Unequal ones are 400",
    ours: { accept: FRAMED_HELLO },
    cases: ['mutation:cl:5,5', 'mutation:cl:5,\\x205', 'mutation:cl-cl:5,5'],
  },
  {
    name: 'chunk-extension-bws',
    why: 'RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ); extensions are parsed and ignored, the size before them is hex digits only. llhttp strict rejects any whitespace there',
    ours: { accept: FRAMED_HELLO },
    cases: [
      'mutation:chunk-size:5\\x20;a',
      'mutation:chunk-size:5;\\x20a',
      'mutation:chunk-size:5;a\\x20=b',
      'mutation:chunk-size:5;a=\\x20b',
    ],
  },
  {
    name: 'trailers-dropped',
    why: 'trailer fields are parsed with the header rules and dropped (RFC 9110 §6.5.1: never merged into the header section), so a framing field there frames nothing; llhttp rejects Content-Length and Transfer-Encoding in trailers',
    ours: { accept: FRAMED_HELLO },
    cases: [
      'mutation:trailer:Content-Length:\\x205\\x0d\\x0a',
      'mutation:trailer:Transfer-Encoding:\\x20chunked\\x0d\\x0a',
    ],
  },
];

/**
 * Where Node 20's llhttp (9.3.1) does not report what the corpus (llhttp 9.4.2) logs: for these
 * cases (and their `+Host` variants) the differential suite judges the server by the log.
 */
export const NODE_LLHTTP_DIFFERENCES: readonly { readonly id: string; readonly what: string }[] = [
  {
    id: 'request/connection.md#Setting flag on `close` followed by tab',
    what: '9.3.1 keeps the connection alive after `Connection: close\\t`',
  },
  {
    id: 'request/connection.md#CRLF between requests, explicit `close` followed by tab',
    what: '9.3.1 keeps the connection alive after `Connection: close\\t`, and waits for the next request',
  },
  {
    id: 'request/content-length.md#Tabs in `Content-Length` (surrounding)',
    what: '9.3.1 rejects HTAB around the value (HPE_INVALID_CONTENT_LENGTH)',
  },
];

/** The policy entry for `id`, and what the server does under it. */
export function policyFor(id: string): { policy: Policy; ours: Ours } | null {
  const policy = POLICIES.find((p) => p.cases.includes(id));
  return policy === undefined ? null : { policy, ours: policy.ours };
}

/** Every id the policies list. */
export function policyIds(): string[] {
  return POLICIES.flatMap((policy) => policy.cases);
}

/** What the server must do with a case a policy covers. */
export function policyExpectation(ours: Ours): Expectation {
  if ('wait' in ours) return { echoes: [], then: 'open' };
  if ('close' in ours) return { echoes: [], then: 'close' };
  if ('accept' in ours) return { echoes: [], patterns: ours.accept, then: 'open' };
  return { echoes: [], then: 'reject', status: [ours.reject, ours.reject] };
}
