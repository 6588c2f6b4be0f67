import type { RewardRequest } from "./pool-types.js";

/**
 * Instance ids by object identity: requests whose `codeContext` and `oracleNewContent` are the same
 * objects (the G samples of one prompt) have one instance, which the pool sends to each worker once.
 * Held weakly: an instance whose objects are gone is forgotten here too.
 */
export class InstanceIds {
  readonly #ids = new WeakMap<object, WeakMap<object, number>>();

  constructor(private readonly next: () => number) {}

  /** The id of each request's instance, and how many of the requests use each id. */
  of(requests: readonly RewardRequest[]): { ids: number[]; uses: Map<number, number> } {
    const uses = new Map<number, number>();
    const ids = requests.map((r) => {
      let byOracle = this.#ids.get(r.codeContext);
      if (!byOracle) {
        byOracle = new WeakMap();
        this.#ids.set(r.codeContext, byOracle);
      }
      let id = byOracle.get(r.oracleNewContent);
      if (id === undefined) {
        id = this.next();
        byOracle.set(r.oracleNewContent, id);
      }
      uses.set(id, (uses.get(id) ?? 0) + 1);
      return id;
    });
    return { ids, uses };
  }
}
