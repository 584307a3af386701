/**
 * How an enforcement point composes its steps: a list in order, each step taking the typed
 * context the one before it returned and either handing on a grown one (`next`) or ending the
 * call (`end`). The list is written once, in one file per front, so the order of a call reads in
 * one place (../mcp/tool-call/tool-call.ts, ../http-proxy/pipeline.ts); a step's input type says
 * what is already known, so no step has to assert that an earlier one ran.
 */

export interface Next<T> {
  readonly next: T;
}
export interface End<R> {
  readonly end: R;
}

export const next = <T>(value: T): Next<T> => ({ next: value });
export const end = <R>(reason: R): End<R> => ({ end: reason });

/** One step: `I` in, `O` on, or the call ended with `R`. */
export type Step<D, I, O, R> = (input: I, deps: D) => Promise<Next<O> | End<R>>;

type AnyStep = (input: unknown, deps: unknown) => Promise<Next<unknown> | End<unknown>>;

/**
 * A list of steps from `I` to `O` whose calls may end with `R`; `S` is every context a call can
 * be in between them (what a front may log about a call, wherever it ended).
 */
export class Steps<D, I, O, R, S> {
  readonly #steps: readonly AnyStep[];

  private constructor(steps: readonly AnyStep[]) {
    this.#steps = steps;
  }

  static start<D, I>(): Steps<D, I, I, never, I> {
    return new Steps([]);
  }

  /** This list with `step` after its last. */
  step<P, R2 = never>(step: Step<D, O, P, R2>): Steps<D, I, P, R | R2, S | P> {
    // INVARIANT: `step` only ever gets what the step before it returned, which is an `O`.
    return new Steps([...this.#steps, step as unknown as AnyStep]);
  }

  /** Runs the steps in order; `reached` is told each context the call gets to, the input included. */
  async run(input: I, deps: D, reached?: (context: S) => void): Promise<Next<O> | End<R>> {
    let context: unknown = input;
    reached?.(input as unknown as S);
    for (const step of this.#steps) {
      const r = await step(context, deps);
      if ('end' in r) return r as End<R>;
      context = r.next;
      reached?.(context as S);
    }
    return next(context as O);
  }
}

/** Every context a call can be in on `T`'s steps, its input included. */
export type ContextOf<T> =
  T extends Steps<infer _D, infer _I, infer _O, infer _R, infer S> ? S : never;

/** Every way a call can end on `T`'s steps. */
export type EndOf<T> = T extends Steps<infer _D, infer _I, infer _O, infer R, infer _S> ? R : never;
