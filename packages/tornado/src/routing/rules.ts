/**
 * tornado's `Rule` and `URLSpec` (tornado/routing.py): a matcher and what a request it matches
 * goes to, with the arguments for that target and an optional name to rebuild its URL by.
 */
import { inspect } from 'node:util';
import { formatValue } from '@aio/selector/internal';
import type { HTTPServerConnectionDelegate } from '../httputil/delegate';
import type { HTTPServerRequest } from '../httputil/request';
import { optionTypeError } from '../log/errors';
import { Matcher, type TargetParams } from './matchers';
import { PathMatches } from './path-matches';
import type { Router } from './router';

/**
 * A function target: called, as an `HTTPServer` request callback is, once the request's body is
 * in, and answers through `request.connection`; `params` are the rule's (`pathArgs`,
 * `pathKwargs`, `targetKwargs`). An async function's failure is logged and its connection closed.
 */
export type RoutedCallback = (request: HTTPServerRequest, params: TargetParams) => unknown;

/**
 * Where a rule sends a request. `RuleRouter` takes a nested `Router` (given the rule's
 * parameters), an `HTTPServerConnectionDelegate`, a `RoutedCallback`, or a list of rules (made a
 * nested router). A class is for a subclass's `getTargetDelegate` to handle (`web.Application`'s
 * `RequestHandler`s); `RuleRouter` itself would call it as a function.
 */
export type RuleTarget =
  | Router
  | HTTPServerConnectionDelegate
  | RoutedCallback
  | readonly RuleSpec[]
  | (abstract new (...args: never[]) => unknown);

/**
 * A rule, or the arguments of one: `[matcher, target, targetKwargs?, name?]`, where a string or
 * RegExp matcher means `new PathMatches(matcher)`.
 */
export type RuleSpec =
  | Rule
  | readonly [
      matcher: Matcher | string | RegExp,
      target: RuleTarget,
      targetKwargs?: Record<string, unknown> | null,
      name?: string | null,
    ];

/**
 * A routing rule: `matcher` decides, `target` serves, `targetKwargs` go to the target (as
 * `params.targetKwargs`), `name` lets a `ReversibleRuleRouter` rebuild the URL.
 * @example
 * ```ts
 * new Rule(new PathMatches('/users/([0-9]+)'), userHandler, { db }, 'user');
 * ```
 */
export class Rule {
  readonly matcher: Matcher;
  /** Mutable, as tornado's: `processRule` may replace it (a list of rules by a router). */
  target: RuleTarget;
  readonly targetKwargs: Record<string, unknown>;
  readonly name: string | null;

  /** @throws TypeError for a matcher that is not a `Matcher`, or a string target (see below) */
  constructor(
    matcher: Matcher,
    target: RuleTarget,
    targetKwargs?: Record<string, unknown> | null,
    name?: string | null,
  ) {
    const where = `new ${new.target.name}()`;
    if (!(matcher instanceof Matcher)) {
      throw optionTypeError(where, 'matcher', 'a Matcher', matcher);
    }
    // tornado imports a target given as a dotted name; there is no such import here.
    if (typeof target === 'string' || target === null || target === undefined) {
      throw optionTypeError(where, 'target', 'a router, a delegate, a function or rules', target);
    }
    if (name !== undefined && name !== null && typeof name !== 'string') {
      throw optionTypeError(where, 'name', 'a string', name);
    }
    this.matcher = matcher;
    this.target = target;
    this.targetKwargs = targetKwargs ?? {};
    this.name = name ?? null;
  }

  /** The matcher's URL for `args` (see `Matcher.reverse`). */
  reverse(...args: unknown[]): string | null {
    return this.matcher.reverse(...args);
  }

  toString(): string {
    return `Rule(${String(this.matcher)}, ${formatValue(this.target)}, kwargs=${formatValue(this.targetKwargs)}, name=${formatValue(this.name)})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A rule on a path (tornado's `URLSpec`, kept for `web.Application`'s handler lists): `pattern`
 * as `PathMatches` takes it, `handler` the target, `kwargs` its arguments.
 * @example
 * ```ts
 * new URLSpec('/story/([0-9]+)', StoryHandler, { db }, 'story');
 * ```
 */
export class URLSpec extends Rule {
  readonly regex: RegExp;
  readonly handlerClass: RuleTarget;
  /** `kwargs` as given (`targetKwargs` is the same, `{}` when none were). */
  readonly kwargs: Record<string, unknown> | null;
  readonly #matcher: PathMatches;

  constructor(
    pattern: string | RegExp,
    handler: RuleTarget,
    kwargs?: Record<string, unknown> | null,
    name?: string | null,
  ) {
    const matcher = new PathMatches(pattern);
    super(matcher, handler, kwargs, name);
    this.#matcher = matcher;
    this.regex = matcher.regex;
    this.handlerClass = this.target;
    this.kwargs = kwargs ?? null;
  }

  override toString(): string {
    return `URLSpec(${JSON.stringify(this.#matcher.pattern)}, ${formatValue(this.handlerClass)}, kwargs=${formatValue(this.kwargs)}, name=${formatValue(this.name)})`;
  }
}
