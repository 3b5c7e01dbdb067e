package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.NodePort;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jdbi.v3.core.Handle;

/**
 * Node leases in table {@code node_lease}, one row per number (not tenant data). Not thread-safe: confined to its
 * transaction.
 */
final class JdbcNodePort extends JdbcPort implements NodePort {
  JdbcNodePort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public OptionalInt claim(String holder, Instant now, Instant expiresAt) {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(expiresAt, "expiresAt");
    return run("node claim", () -> {
      // The best claimable number read without a lock, then leased if still claimable: a concurrent claimer that
      // leased it first leaves the update without a row, and the next read no longer sees the number. Each turn of
      // the loop finds one number taken, so it ends.
      while (true) {
        Optional<Integer> candidate = handle.createQuery(Sql.NODE_CLAIMABLE)
            .bind("now", Rows.timestamp(now))
            .mapTo(Integer.class)
            .findOne();
        if (candidate.isEmpty()) {
          return OptionalInt.empty();
        }
        int rows = handle.createUpdate(Sql.NODE_CLAIM_IF_FREE)
            .bind("holder", holder)
            .bind("expiresAt", Rows.timestamp(expiresAt))
            .bind("node", candidate.get().intValue())
            .bind("now", Rows.timestamp(now))
            .execute();
        if (rows > 0) {
          return OptionalInt.of(candidate.get());
        }
      }
    });
  }

  @Override
  public boolean renew(int node, String holder, Instant expiresAt) {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(expiresAt, "expiresAt");
    return run("node renew", () -> handle.createUpdate(Sql.NODE_RENEW)
        .bind("expiresAt", Rows.timestamp(expiresAt))
        .bind("node", node)
        .bind("holder", holder)
        .execute()) > 0;
  }

  @Override
  public boolean release(int node, String holder, Instant at) {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(at, "at");
    return run("node release", () -> handle.createUpdate(Sql.NODE_RELEASE)
        .bind("at", Rows.timestamp(at))
        .bind("node", node)
        .bind("holder", holder)
        .execute()) > 0;
  }
}
