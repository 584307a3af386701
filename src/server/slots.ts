/**
 * A fixed number of slots for long-lived connections (the revocation event streams): `take`
 * refuses once every slot is held, `release` gives one back.
 */
export class Slots {
  #held = 0;

  constructor(readonly max: number) {}

  /** How many slots are held now. */
  get held(): number {
    return this.#held;
  }

  /** Takes a slot; false (and nothing held) when all are taken. */
  take(): boolean {
    if (this.#held >= this.max) return false;
    this.#held++;
    return true;
  }

  release(): void {
    if (this.#held > 0) this.#held--;
  }
}
