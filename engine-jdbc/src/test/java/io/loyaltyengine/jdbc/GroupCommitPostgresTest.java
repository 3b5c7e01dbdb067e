package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.testkit.StoreFixture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group commit on the embedded PostgreSQL, where a failed statement aborts the transaction unless a savepoint is
 * rolled back to; and two engine instances on one database, both combining their calls on the same participants.
 */
class GroupCommitPostgresTest extends GroupCommitTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }

  /**
   * Whether the entries of two engines (told apart by the node number inside their ids) interleave into one history,
   * each engine's entries in its own id order, in which every entry's {@code balanceAfter} is the balance before
   * it plus its amount and never negative. Ids of one engine follow the order its entries applied; ids of two
   * engines need not (ids are time-ordered per engine; see docs/ARCHITECTURE.md).
   */
  private static boolean chains(List<LedgerEntry> entries) {
    Map<Long, List<LedgerEntry>> byNode = new java.util.TreeMap<>();
    for (LedgerEntry e : entries) {
      byNode.computeIfAbsent((e.id() >>> 12) & 1023, n -> new ArrayList<>()).add(e);
    }
    byNode.values().forEach(list -> list.sort(java.util.Comparator.comparingLong(LedgerEntry::id)));
    List<List<LedgerEntry>> nodes = new ArrayList<>(byNode.values());
    if (nodes.size() == 1) {
      nodes.add(List.of());
    }
    List<LedgerEntry> a = nodes.get(0);
    List<LedgerEntry> b = nodes.get(1);
    boolean[][] reached = new boolean[a.size() + 1][b.size() + 1];
    long[][] balance = new long[a.size() + 1][b.size() + 1];
    reached[0][0] = true;
    for (int i = 0; i <= a.size(); i++) {
      for (int j = 0; j <= b.size(); j++) {
        if (!reached[i][j]) {
          continue;
        }
        if (i < a.size() && follows(balance[i][j], a.get(i))) {
          reached[i + 1][j] = true;
          balance[i + 1][j] = a.get(i).balanceAfter();
        }
        if (j < b.size() && follows(balance[i][j], b.get(j))) {
          reached[i][j + 1] = true;
          balance[i][j + 1] = b.get(j).balanceAfter();
        }
      }
    }
    return nodes.size() <= 2 && reached[a.size()][b.size()];
  }

  private static boolean follows(long before, LedgerEntry entry) {
    return entry.balanceAfter() >= 0 && entry.balanceAfter() == before + entry.signedAmount();
  }

  /** With the default (two batches at a time, awards and deductions run together) and with one batch at a time. */
  @ParameterizedTest(name = "maxGroupCommit {0}")
  @ValueSource(ints = {0, COMBINING})
  void twoEnginesOnOneDatabaseBothCombiningOnTheSameParticipantsKeepEveryBalanceExact(int maxGroupCommit) {
    Seeded.run(this, "two engines, maxGroupCommit " + maxGroupCommit, seed -> twoEngines(maxGroupCommit, seed));
  }

  /**
   * As above, with no probe under the engines: the store's own write path, where each call's last rows, with an
   * idempotency key or without, go with its commit, so a key the other engine committed first is refused with that
   * commit (a single call's, or a whole batch's, which then runs again call by call).
   */
  @ParameterizedTest(name = "maxGroupCommit {0}")
  @ValueSource(ints = {0, 1})
  void twoEnginesOnTheStoresOwnWritePathKeepEveryBalanceExactAndOneEntryPerKey(int maxGroupCommit) {
    Seeded.run(this, "two engines, own write path, maxGroupCommit " + maxGroupCommit,
        seed -> twoEngines(maxGroupCommit, seed, false));
  }

  /**
   * Eight threads on two engines, the store's own write path, each making the same keyed awards, deductions and
   * recorded actions in its own order: the first requests of a key race on every one of them, and the losers (whose
   * rows go with their commit, refused there on the key) answer as retries. One entry or action per key, one first
   * request per key, every caller the same answer, balances the sums of their ledgers.
   */
  @Test
  void manyThreadsOnTwoEnginesRacingTheSameKeysOnTheStoresOwnWritePathApplyEachKeyOnce() {
    Seeded.run(this, "same keys, two engines, own write path", this::sameKeysOnTheOwnWritePath);
  }

  private void sameKeysOnTheOwnWritePath(long seed) throws Exception {
    List<LoyaltyEngine> both = List.of(unprobedEngine(0), unprobedEngine(0));
    World w = new World(both.get(0), 2);
    TenantScope admin = both.get(0).forTenant(w.tenantId);
    long reward = admin.rewards().define(w.campaignId, NewCampaignReward.message("Thanks", "Thank you", 1_000)
        .unlimited()).id();
    for (int p = 0; p < 2; p++) {
      admin.points().award(w.ref(p), PointsChange.of(1_000, "welcome"));
    }
    int keys = 12;
    List<Map<String, Object>> got = together(8, t -> {
      TenantScope scope = both.get(t % 2).forTenant(w.tenantId);
      List<Integer> order = new ArrayList<>();
      for (int k = 0; k < keys; k++) {
        order.add(k);
      }
      Collections.shuffle(order, new Random(seed + t));
      return () -> {
        Map<String, Object> mine = new HashMap<>();
        for (int k : order) {
          int p = k % 2;
          Object answer = switch (k % 3) {
            case 0 -> scope.points().award(w.ref(p), PointsChange.of(k + 1, "purchase").withIdempotencyKey("k" + k));
            case 1 -> scope.points().deduct(w.ref(p), PointsChange.of(k, "redemption").withIdempotencyKey("k" + k));
            default -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(p), reward).withIdempotencyKey("k" + k));
          };
          mine.put("k" + k, answer);
        }
        return mine;
      };
    });
    long[] expected = {1_000, 1_000};
    int[] actions = new int[2];
    for (int k = 0; k < keys; k++) {
      String key = "k" + k;
      Set<Object> answers = new HashSet<>();
      int firsts = 0;
      for (Map<String, Object> mine : got) {
        Object answer = mine.get(key);
        if (answer instanceof PointsResult r) {
          answers.add(r.entry());
          firsts += r.replayed() ? 0 : 1;
        } else {
          ActionResult r = (ActionResult) answer;
          answers.add(r.actionId());
          firsts += r.replayed() ? 0 : 1;
        }
      }
      assertEquals(1, answers.size(), "every caller got the one entry or action of " + key + ": " + answers);
      assertEquals(1, firsts, "one caller applied " + key);
      switch (k % 3) {
        case 0 -> expected[k % 2] += k + 1;
        case 1 -> expected[k % 2] -= k;
        default -> actions[k % 2]++;
      }
    }
    for (int p = 0; p < 2; p++) {
      List<LedgerEntry> ledger = ledger(admin, w.ref(p));
      assertEquals(expected[p], ledger.stream().mapToLong(LedgerEntry::signedAmount).sum(), "ledger of " + p);
      assertEquals(expected[p], balance(admin, w.ref(p)), "the balance is the sum of the ledger");
      assertEquals(actions[p], admin.rewards().counts(w.ref(p), reward).allTime(), "actions of " + p);
    }
  }

  private void twoEngines(int maxGroupCommit, long seed) throws Exception {
    twoEngines(maxGroupCommit, seed, true);
  }

  private void twoEngines(int maxGroupCommit, long seed, boolean probed) throws Exception {
    Engine first = probed ? engine(maxGroupCommit) : new Engine(unprobedEngine(maxGroupCommit), null);
    Engine second = probed ? engine(maxGroupCommit) : new Engine(unprobedEngine(maxGroupCommit), null);
    World w = new World(first.engine(), 3);
    List<TenantScope> scopes = List.of(first.scope(w), second.scope(w));
    int threadsPerEngine = 4;
    int calls = 25;
    Map<Long, String> newEntries = new ConcurrentHashMap<>();
    Map<String, Set<Long>> keyed = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    together(threadsPerEngine * 2, me -> {
      TenantScope scope = scopes.get(me % 2);
      Random random = new Random(seed * 17 + me);
      return () -> {
        for (int i = 0; i < calls; i++) {
          int p = random.nextInt(3);
          long amount = 1 + random.nextInt(20);
          int kind = random.nextInt(10);
          // Keys shared across threads and engines: a retry race on every one of them.
          String key = random.nextInt(4) == 0 ? "shared-" + kind + "-" + p + "-" + amount : null;
          String what = "thread " + me + " call " + i;
          try {
            PointsResult r = kind < 5
                ? scope.points().award(w.ref(p), PointsChange.of(amount, "purchase").withIdempotencyKey(key))
                : kind < 8
                    ? scope.points().deduct(w.ref(p), PointsChange.of(amount, "redemption").withIdempotencyKey(key))
                    : scope.points().deductUpToBalance(w.ref(p),
                        PointsChange.of(amount, "refund").withIdempotencyKey(key));
            if (r.entry() == null) {
              continue;
            }
            if (r.entry().participantId() != w.participants.get(p)) {
              problems.add(what + " got another participant's entry " + r.entry());
            }
            if (key != null) {
              keyed.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(r.entry().id());
            }
            if (!r.replayed() && newEntries.put(r.entry().id(), what) != null) {
              problems.add(what + " got an entry another call got: " + r.entry());
            }
          } catch (LoyaltyException e) {
            // Keys name their parameters, so no retry conflicts: only a plain deduction may be refused.
            boolean insufficient = e.code() == ErrorCode.INSUFFICIENT_POINTS && kind >= 5 && kind < 8;
            if (!insufficient) {
              problems.add(what + " failed: " + e);
            }
          }
        }
        return null;
      };
    });
    assertEquals(List.of(), List.copyOf(problems));
    keyed.forEach((key, ids) -> assertEquals(1, ids.size(), "one entry for " + key));
    Set<Long> inLedger = new HashSet<>();
    for (int p = 0; p < 3; p++) {
      List<LedgerEntry> ledger = ledger(scopes.get(0), w.ref(p));
      long balance = 0;
      long lifetime = 0;
      for (LedgerEntry entry : ledger) {
        balance += entry.signedAmount();
        lifetime += entry.kind() == LedgerEntryKind.AWARD ? entry.amount() : 0;
        assertTrue(inLedger.add(entry.id()));
      }
      assertTrue(chains(ledger), "participant " + p + "'s entries, each engine's in id order, "
          + "interleave into one history where every entry's balance follows from the one before and none is "
          + "negative: " + ledger);
      for (TenantScope scope : scopes) {
        Participant now = scope.participants().get(w.ref(p));
        assertEquals(balance, now.pointsBalance(), "balance is the sum of the ledger");
        assertEquals(lifetime, now.lifetimePoints());
      }
    }
    assertEquals(newEntries.keySet(), inLedger, "no lost update, no extra entry");
    if (!probed) {
      return;
    }
    System.out.println(getClass().getSimpleName() + " two engines: shared transactions " + first.probe()
        .transactions().stream().filter(GroupCommitProbe.Tx::shared).count() + " + " + second.probe().transactions()
        .stream().filter(GroupCommitProbe.Tx::shared).count() + "; " + first.probe().transactions().stream()
        .filter(tx -> !tx.committed()).count() + " + " + second.probe().transactions().stream()
        .filter(tx -> !tx.committed()).count() + " transactions rolled back (deadlocks between the engines' batches"
        + " and other transient failures, each run again)");
  }
}
