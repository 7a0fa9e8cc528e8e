/**
 * The request methods the server knows: the IANA HTTP Method Registry (RFC 9110 and its
 * extensions: WebDAV, versioning, PATCH, QUERY). A method that is a token but not one of these
 * is answered 405; one that is not a token is a malformed request line (400). `CONNECT` is
 * known but answered 405 too: this server is not a proxy.
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'ACL',
  'BASELINE-CONTROL',
  'BIND',
  'CHECKIN',
  'CHECKOUT',
  'CONNECT',
  'COPY',
  'DELETE',
  'GET',
  'HEAD',
  'LABEL',
  'LINK',
  'LOCK',
  'MERGE',
  'MKACTIVITY',
  'MKCALENDAR',
  'MKCOL',
  'MKREDIRECTREF',
  'MKWORKSPACE',
  'MOVE',
  'OPTIONS',
  'ORDERPATCH',
  'PATCH',
  'POST',
  'PROPFIND',
  'PROPPATCH',
  'PUT',
  'QUERY',
  'REBIND',
  'REPORT',
  'SEARCH',
  'TRACE',
  'UNBIND',
  'UNCHECKOUT',
  'UNLINK',
  'UNLOCK',
  'UPDATE',
  'UPDATEREDIRECTREF',
  'VERSION-CONTROL',
]);

/** Methods the server refuses even though they are known. */
export const REFUSED_METHODS: ReadonlySet<string> = new Set(['CONNECT']);
