/**
 * tornado's `RuleRouter` and `ReversibleRuleRouter` (tornado/routing.py): an ordered list of
 * rules, the first whose matcher matches and whose target gives a delegate serving the request.
 *
 * Two hooks are there to be overridden, as `web.Application`'s router does: `processRule` (each
 * rule as it is added) and `getTargetDelegate` (a delegate for a matched target, where a subclass
 * adds target kinds of its own, such as `RequestHandler` classes). A list of rules as a target is
 * made a nested router by `nestedRouter` (tornado leaves that to `web.Application`; here every
 * rule router does it, and a subclass says which router to make).
 */
import type {
  HTTPConnection,
  HTTPMessageDelegate,
  HTTPServerConnectionDelegate,
} from '../httputil/delegate';
import type { HTTPServerRequest } from '../httputil/request';
import { hasOwnKeys } from '../internal/objects';
import { appLog } from '../log';
import { optionTypeError, optionValueError } from '../log/errors';
import { CallableAdapter } from '../httpserver/callable-adapter';
import type { TargetParams } from './matchers';
import { PathMatches } from './path-matches';
import { ReversibleRouter, Router } from './router';
import { Rule, type RoutedCallback, type RuleSpec, type RuleTarget } from './rules';

/**
 * Routes by rules, in order.
 * @example
 * ```ts
 * const router = new RuleRouter([
 *   new Rule(new HostMatches('api\\.example\\.com'), apiRouter),
 *   ['/status', (request) => respond(request, 'ok')], // a string means PathMatches
 *   [new PathMatches('/files/(.*)'), fileDelegate, { root: '/srv' }],
 * ]);
 * new HTTPServer(router).listen(8888);
 * ```
 * A subclass whose `processRule` needs its own fields calls `super()` without rules, sets them,
 * then calls `addRules`.
 */
export class RuleRouter extends Router {
  readonly rules: Rule[] = [];

  /** @throws TypeError or RangeError for a rule that is neither a `Rule` nor its arguments */
  constructor(rules?: readonly RuleSpec[] | null) {
    super();
    if (rules) this.addRules(rules);
  }

  /** Appends rules: `Rule`s, or their arguments `[matcher, target, targetKwargs?, name?]`. */
  addRules(rules: readonly RuleSpec[]): void {
    const where = `${this.constructor.name}.addRules()`;
    if (!isArray(rules)) throw optionTypeError(where, 'rules', 'an array', rules);
    for (const spec of rules) {
      let rule: Rule;
      if (spec instanceof Rule) rule = spec;
      else {
        if (!isArray(spec)) {
          throw optionTypeError(where, 'rule', 'a Rule or [matcher, target, …]', spec);
        }
        if (spec.length < 2 || spec.length > 4) {
          throw optionValueError(where, 'rule', '[matcher, target, targetKwargs?, name?]', spec);
        }
        const [matcher, target, targetKwargs, name] = spec;
        const m = typeof matcher === 'string' || matcher instanceof RegExp;
        rule = new Rule(m ? new PathMatches(matcher) : matcher, target, targetKwargs, name);
      }
      this.rules.push(this.processRule(rule));
    }
  }

  /** Called with each rule as it is added; returns the rule to keep. A list target becomes a router. */
  processRule(rule: Rule): Rule {
    if (Array.isArray(rule.target)) rule.target = this.nestedRouter(rule.target as RuleSpec[]);
    return rule;
  }

  /** The router a list of rules as a target becomes. */
  nestedRouter(rules: readonly RuleSpec[]): Router {
    return new RuleRouter(rules);
  }

  findHandler(request: HTTPServerRequest, _params?: TargetParams): HTTPMessageDelegate | null {
    for (const rule of this.rules) {
      const params = rule.matcher.match(request);
      if (params === null || params === undefined) continue;
      if (hasOwnKeys(rule.targetKwargs)) params.targetKwargs = rule.targetKwargs;
      const delegate = this.getTargetDelegate(rule.target, request, params);
      if (delegate !== null && delegate !== undefined) return delegate;
    }
    return null;
  }

  /**
   * The delegate for a matched rule's `target`, or null to go on to the next rule: a `Router`
   * finds one (given `params`), an `HTTPServerConnectionDelegate` starts one, a function is called
   * with the request once its body is in. Override it to add target kinds.
   */
  getTargetDelegate(
    target: RuleTarget,
    request: HTTPServerRequest,
    params: TargetParams,
  ): HTTPMessageDelegate | null {
    if (target instanceof Router) return target.findHandler(request, params) ?? null;
    if (isConnectionDelegate(target)) {
      // serverConnection is null only in a request made by hand, as connection is.
      return target.startRequest(request.serverConnection!, connectionOf(request));
    }
    if (typeof target === 'function') {
      const callback = target as RoutedCallback;
      return new CallableAdapter(
        callback,
        params,
        connectionOf(request),
        request.serverConnection,
        'routed callback',
      );
    }
    return null;
  }

  override toString(): string {
    return `<${this.constructor.name} rules=${String(this.rules.length)}>`;
  }
}

/**
 * A rule router that rebuilds URLs: a rule with a `name` can be reversed by it (through its
 * matcher's `reverse`); a name it does not know is looked for in the reversible routers its rules
 * lead to.
 * @example
 * ```ts
 * const router = new ReversibleRuleRouter([['/story/([0-9]+)', story, null, 'story']]);
 * router.reverseUrl('story', 42); // '/story/42'
 * ```
 */
export class ReversibleRuleRouter extends RuleRouter implements ReversibleRouter {
  readonly namedRules = new Map<string, Rule>();

  constructor(rules?: readonly RuleSpec[] | null) {
    // Rules are added once namedRules exists (tornado sets it before calling up).
    super();
    if (rules) this.addRules(rules);
  }

  override processRule(rule: Rule): Rule {
    const processed = super.processRule(rule);
    if (processed.name !== null && processed.name !== '') {
      if (this.namedRules.has(processed.name)) {
        appLog.warn(`Multiple handlers named ${processed.name}; replacing previous value`);
      }
      this.namedRules.set(processed.name, processed);
    }
    return processed;
  }

  override nestedRouter(rules: readonly RuleSpec[]): Router {
    return new ReversibleRuleRouter(rules);
  }

  reverseUrl(name: string, ...args: unknown[]): string | null {
    const rule = this.namedRules.get(name);
    if (rule !== undefined) return rule.matcher.reverse(...args);
    for (const { target } of this.rules) {
      if (target instanceof ReversibleRouter) {
        const url = target.reverseUrl(name, ...args);
        if (url !== null && url !== undefined) return url;
      }
    }
    return null;
  }
}

/** `Array.isArray` without its narrowing to `any[]`: the rules keep their types. */
function isArray(value: unknown): boolean {
  return Array.isArray(value);
}

/** An object with `startRequest`: an `HTTPServerConnectionDelegate` (an `HTTPServer`, say). */
function isConnectionDelegate(target: unknown): target is HTTPServerConnectionDelegate {
  return (
    typeof target === 'object' &&
    target !== null &&
    typeof (target as { startRequest?: unknown }).startRequest === 'function'
  );
}

/** The request's connection, which a delegate or a function target answers through. */
function connectionOf(request: HTTPServerRequest): HTTPConnection {
  if (request.connection === null) {
    throw new TypeError(
      `RuleRouter.getTargetDelegate(): ${String(request)} has no connection to answer through`,
    );
  }
  return request.connection;
}
