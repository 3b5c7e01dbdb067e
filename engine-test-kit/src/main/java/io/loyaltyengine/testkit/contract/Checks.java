package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.function.Executable;

/**
 * Assertions and snapshots shared by the contract tests.
 *
 * <p>Thread-safe: stateless.
 */
final class Checks {
  private Checks() {
  }

  /** A call the engine must reject, the field its error must name (or a parent of it), and what the case is. */
  record Bad(String what, String field, Executable call) {
  }

  /** A participant as stored, with its whole ledger. */
  record ParticipantState(Participant participant, List<LedgerEntry> history) {
  }

  /**
   * Asserts that {@code call} throws a {@link LoyaltyException} with {@code code} and, unless {@code field} is null,
   * naming {@code field} (or a sub-field of it); any other outcome, including another exception type escaping,
   * fails.
   */
  static LoyaltyException assertRejected(ErrorCode code, String field, String what, Executable call) {
    try {
      call.execute();
    } catch (LoyaltyException e) {
      String problem = problem(code, field, e);
      if (problem != null) {
        fail(what + ": " + problem, e);
      }
      return e;
    } catch (Throwable t) {
      fail(what + ": expected a LoyaltyException " + code + " but " + t + " escaped; only LoyaltyException may", t);
    }
    return fail(what + ": expected a LoyaltyException " + code + (field == null ? "" : " on " + field)
        + " but the call succeeded");
  }

  /**
   * Runs every case, expecting each to be rejected with {@code code} on its field and to leave {@code state}
   * unchanged; reports all failing cases together.
   */
  static void assertAllRejected(ErrorCode code, List<Bad> cases, Supplier<?> state) {
    Object before = state.get();
    List<String> failures = new ArrayList<>();
    for (Bad c : cases) {
      try {
        c.call().execute();
        failures.add(c.what() + ": was accepted");
      } catch (LoyaltyException e) {
        String problem = problem(code, c.field(), e);
        if (problem != null) {
          failures.add(c.what() + ": " + problem);
        }
      } catch (Throwable t) {
        failures.add(c.what() + ": " + t + " escaped; only LoyaltyException may");
      }
      Object after = state.get();
      if (!before.equals(after)) {
        failures.add(c.what() + ": changed the stored state");
        before = after;
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + cases.size() + " bad inputs were not rejected as " + code
          + " on their field with nothing changed:\n  " + String.join("\n  ", failures));
    }
  }

  private static String problem(ErrorCode code, String field, LoyaltyException e) {
    if (e.code() != code) {
      return "expected " + code + " but got " + e;
    }
    String reported = e.field().orElse(null);
    if (field != null && (reported == null || !(reported.equals(field) || reported.startsWith(field + ".")))) {
      return "expected the error to name field '" + field + "' but got " + e;
    }
    return null;
  }

  /** Every participant of a campaign matching {@code filter}, walked with keyset pages of {@code limit}. */
  static List<Participant> allParticipants(TenantScope scope, long campaignId, ParticipantFilter filter, int limit) {
    List<Participant> all = new ArrayList<>();
    Keyset page = Keyset.first(limit);
    for (int pages = 0; ; pages++) {
      CursorPage<Participant> got = scope.participants().list(campaignId, filter, page);
      if (got.items().size() > limit) {
        fail("a page of limit " + limit + " held " + got.items().size() + " participants");
      }
      all.addAll(got.items());
      if (!got.hasMore()) {
        return all;
      }
      if (pages > 10_000) {
        fail("the participant list did not end after 10,000 pages: the cursor does not advance");
      }
      page = Keyset.after(got.nextId(), limit);
    }
  }

  /** Every participant of a campaign. */
  static List<Participant> allParticipants(TenantScope scope, long campaignId) {
    return allParticipants(scope, campaignId, ParticipantFilter.all(), Keyset.MAX_LIMIT);
  }

  /** A participant's whole ledger, newest first, walked with keyset pages of {@code limit}. */
  static List<LedgerEntry> history(TenantScope scope, ParticipantRef ref, int limit) {
    List<LedgerEntry> all = new ArrayList<>();
    Keyset page = Keyset.first(limit);
    for (int pages = 0; ; pages++) {
      CursorPage<LedgerEntry> got = scope.points().history(ref, page);
      if (got.items().size() > limit) {
        fail("a history page of limit " + limit + " held " + got.items().size() + " entries");
      }
      all.addAll(got.items());
      if (!got.hasMore()) {
        return all;
      }
      if (pages > 10_000) {
        fail("the history did not end after 10,000 pages: the cursor does not advance");
      }
      page = Keyset.after(got.nextId(), limit);
    }
  }

  /** A participant's whole ledger, newest first. */
  static List<LedgerEntry> history(TenantScope scope, long participantId) {
    return history(scope, ParticipantRef.id(participantId), Keyset.MAX_LIMIT);
  }

  /** A participant as stored with its ledger. */
  static ParticipantState state(TenantScope scope, long participantId) {
    return new ParticipantState(scope.participants().get(ParticipantRef.id(participantId)),
        history(scope, participantId));
  }

  /** A value for a message: non-printable characters escaped, long values cut. */
  static String show(Object value) {
    if (!(value instanceof String s)) {
      return String.valueOf(value);
    }
    StringBuilder out = new StringBuilder("\"");
    s.codePoints().limit(40).forEach(cp -> {
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp <= 0xffff && Character.isSurrogate((char) cp))) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.appendCodePoint(cp);
      }
    });
    if (s.codePointCount(0, s.length()) > 40) {
      out.append("...(").append(s.codePointCount(0, s.length())).append(" code points)");
    }
    return out.append('"').toString();
  }

  /**
   * Runs {@code worker(i)} on {@code threads} threads released together by a latch, and rethrows the first failure.
   * The bound on waiting only keeps a deadlocked backend from hanging the build; it is not a timing assertion.
   */
  static void runConcurrently(int threads, IntConsumer worker) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int id = i;
        futures.add(pool.submit(() -> {
          ready.countDown();
          start.await();
          worker.accept(id);
          return null;
        }));
      }
      ready.await();
      start.countDown();
      for (Future<?> future : futures) {
        future.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
