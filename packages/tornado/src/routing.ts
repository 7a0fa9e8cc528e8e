/**
 * `@aio/tornado/routing`: tornado's flexible routing (tornado/routing.py) — `Router`, an
 * `HTTPServerConnectionDelegate` that picks each request's `HTTPMessageDelegate`; `RuleRouter`,
 * which does it by an ordered list of rules; the matchers rules are made of (host, path, any);
 * and URL reversing by rule name.
 *
 * Patterns are Python regexes as tornado's are, translated to RegExp (`(?P<name>…)` becomes
 * `(?<name>…)`); what has no JavaScript equivalent is refused with a `RoutePatternError` — the
 * list is in routing/python-regex.ts. A RegExp may be given instead.
 *
 * @example
 * ```ts
 * const router = new ReversibleRuleRouter([
 *   [new HostMatches('www\\.example\\.com'), [['/', home]]],
 *   ['/story/([0-9]+)', story, null, 'story'],
 * ]);
 * new HTTPServer(router).listen(8888);
 * router.reverseUrl('story', 42); // '/story/42'
 * ```
 *
 * @module @aio/tornado/routing
 */
export { Router, ReversibleRouter } from './routing/router';
export { RuleRouter, ReversibleRuleRouter } from './routing/rule-router';
export {
  Rule,
  URLSpec,
  type RoutedCallback,
  type RuleSpec,
  type RuleTarget,
} from './routing/rules';
export {
  Matcher,
  AnyMatches,
  HostMatches,
  DefaultHostMatches,
  type DefaultHostApplication,
  type TargetParams,
} from './routing/matchers';
export { PathMatches } from './routing/path-matches';
export { RoutePatternError, RouteReverseError } from './routing/errors';
