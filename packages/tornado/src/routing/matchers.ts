/**
 * tornado's matchers (tornado/routing.py): what decides whether a rule applies to a request.
 * `match` returns the parameters the rule's target gets — an empty object for a plain match —
 * or null for no match. `PathMatches`, which also rebuilds URLs, is in path-matches.ts.
 */
import { inspect } from 'node:util';
import type { HTTPServerRequest } from '../httputil/request';
import { compilePattern, matchAt } from './python-regex';

/**
 * What a matching rule hands its target (tornado's `target_params`): `PathMatches` gives
 * `pathArgs` (positional groups) or `pathKwargs` (named ones), each value the group's octets
 * percent-decoded, or null for a group that did not take part; a rule with `targetKwargs` adds
 * them. A custom matcher may add its own keys.
 */
export interface TargetParams {
  pathArgs?: (Buffer | null)[];
  pathKwargs?: Record<string, Buffer | null>;
  targetKwargs?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Decides whether a rule applies to a request. Subclass it and implement `match`.
 * @example
 * ```ts
 * class MethodMatches extends Matcher {
 *   constructor(readonly method: string) { super(); }
 *   match(request: HTTPServerRequest) { return request.method === this.method ? {} : null; }
 * }
 * new RuleRouter([[new MethodMatches('POST'), uploads]]);
 * ```
 */
export abstract class Matcher {
  /** The parameters for the rule's target if `request` matches (`{}` when there are none), else null. */
  abstract match(request: HTTPServerRequest): TargetParams | null;

  /** The URL this matcher matches, rebuilt from `args`; null when it cannot say (the default). */
  reverse(..._args: unknown[]): string | null {
    return null;
  }

  toString(): string {
    return `${this.constructor.name}()`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Matches every request. */
export class AnyMatches extends Matcher {
  match(): TargetParams {
    return {};
  }
}

/**
 * Matches requests whose `hostName` matches `hostPattern`, a Python regex (tornado appends `$`
 * to a string without one) or a RegExp used as it is; either is tried from the start.
 * @example
 * ```ts
 * new RuleRouter([[new HostMatches('(www\\.)?example\\.com'), site]]);
 * ```
 * @throws RoutePatternError for a pattern that cannot be compiled
 */
export class HostMatches extends Matcher {
  /** The compiled pattern (sticky: matched from the start). */
  readonly hostPattern: RegExp;

  constructor(hostPattern: string | RegExp) {
    super();
    this.hostPattern = compileAnchored(hostPattern, 'new HostMatches()');
  }

  match(request: HTTPServerRequest): TargetParams | null {
    return matchAt(this.hostPattern, request.hostName) === null ? null : {};
  }

  override toString(): string {
    return `HostMatches(${JSON.stringify(this.hostPattern.source)})`;
  }
}

/** What `DefaultHostMatches` reads from its application: `web.Application`'s `defaultHost`. */
export interface DefaultHostApplication {
  readonly defaultHost?: string | null;
}

/**
 * Matches when the application's `defaultHost` matches `hostPattern`, whatever host the request
 * names — unless it has an `X-Real-Ip` header (it came through a load balancer, which names the
 * host properly). `web.Application` adds one per host for requests whose `Host` matches none.
 */
export class DefaultHostMatches extends Matcher {
  readonly application: DefaultHostApplication;
  readonly hostPattern: RegExp;

  constructor(application: DefaultHostApplication, hostPattern: string | RegExp) {
    super();
    this.application = application;
    this.hostPattern = compileAnchored(hostPattern, 'new DefaultHostMatches()');
  }

  match(request: HTTPServerRequest): TargetParams | null {
    // Look for the default host if not behind a load balancer (for debugging).
    if (request.headers.has('X-Real-Ip')) return null;
    const host = this.application.defaultHost;
    if (host === null || host === undefined) return null;
    return matchAt(this.hostPattern, host) === null ? null : {};
  }

  override toString(): string {
    return `DefaultHostMatches(${JSON.stringify(this.hostPattern.source)})`;
  }
}

/** tornado's rule for a string pattern: `$` appended unless it ends with one; then compiled. */
export function compileAnchored(pattern: string | RegExp, where: string): RegExp {
  return compilePattern(anchored(pattern), where).regex;
}

/** `pattern` with tornado's `$` appended if it is a string not ending with one. */
export function anchored<P extends string | RegExp>(pattern: P): P {
  if (typeof pattern !== 'string') return pattern;
  return (pattern.endsWith('$') ? pattern : `${pattern}$`) as P;
}
