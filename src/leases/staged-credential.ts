/**
 * A credential issued for one or more Mounts (a driver retry or a second volume can share one
 * issue) that no Mount has vouched for yet. It enters the lease cache only when one of them
 * succeeds; when every one of them failed, it is dropped and its lease revoked, so a failing
 * Mount leaves neither a cache entry nor a live credential behind. Lives from the issue until
 * its Mounts have answered (seconds).
 */

/** What mount/ asks of it (its StagedSecret), met structurally: leases/ does not import mount/. */
export interface CredentialHandle {
  commit(): void;
  release(): void;
}

export class StagedCredential {
  private holders = 0;
  private committed = false;
  private dropped = false;

  /** `keep` puts it in the cache; `drop` forgets it and revokes its lease. Each runs at most once. */
  constructor(
    private readonly keep: () => void,
    private readonly drop: () => void,
  ) {}

  /** One Mount's say in the credential: it must commit or release, once. */
  handle(): CredentialHandle {
    this.holders += 1;
    let answered = false;
    return {
      commit: () => {
        if (answered) return;
        answered = true;
        if (this.committed || this.dropped) return;
        this.committed = true;
        this.keep();
      },
      release: () => {
        if (answered) return;
        answered = true;
        this.holders -= 1;
        if (this.holders > 0 || this.committed || this.dropped) return;
        this.dropped = true;
        this.drop();
      },
    };
  }
}
