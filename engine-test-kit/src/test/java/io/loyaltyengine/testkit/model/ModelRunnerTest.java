package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.testkit.gen.Gen;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The runner against a toy account and deliberately broken versions of it: it must catch each bug, name the seed
 * and the step, and shorten the sequence.
 */
class ModelRunnerTest {
  private static final Pattern SHORTENED = Pattern.compile("Shortened failing sequence: (\\d+) of (\\d+) operations");

  /** A toy system: an account whose withdrawals must not overdraw it. */
  static class Account implements AutoCloseable {
    long balance;
    boolean closed;

    void deposit(long n) {
      balance += n;
    }

    boolean withdraw(long n) {
      if (balance < n) {
        return false;
      }
      balance -= n;
      return true;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Withdrawing exactly 13 skips the balance check. */
  static final class OverdrawsOn13 extends Account {
    @Override
    boolean withdraw(long n) {
      if (n == 13) {
        balance -= n;
        return true;
      }
      return super.withdraw(n);
    }
  }

  /** Depositing exactly 7 silently adds 8 (the step's result looks right; only the invariant sees it). */
  static final class Deposits7As8 extends Account {
    @Override
    void deposit(long n) {
      super.deposit(n == 7 ? 8 : n);
    }
  }

  /** The model: a balance. */
  static final class Model {
    long balance;
  }

  sealed interface Op permits Deposit, Withdraw {
  }

  record Deposit(long amount) implements Op {
  }

  record Withdraw(long amount) implements Op {
  }

  // Deposits smaller than withdrawals keep the balance low, where an overdraft bug shows.
  private static final Gen<Op> OPS = Gen.oneOf(
      Gen.longs(1, 10).map(Deposit::new),
      Gen.longs(1, 20).map(Withdraw::new));

  private static ModelRunner.Builder<Account, Model, Op> runner(Supplier<Account> accounts) {
    return ModelRunner.<Account, Model, Op>builder()
        .name("account")
        .system(accounts)
        .model(account -> new Model())
        .operations(OPS)
        .steps(200)
        .step((account, model, op) -> {
          if (op instanceof Deposit d) {
            account.deposit(d.amount());
            model.balance += d.amount();
          } else if (op instanceof Withdraw w) {
            boolean expected = model.balance >= w.amount();
            if (expected) {
              model.balance -= w.amount();
            }
            boolean actual = account.withdraw(w.amount());
            if (actual != expected) {
              throw new AssertionError(op + ": expected " + expected + " but was " + actual);
            }
          }
        })
        .invariant((account, model) -> {
          if (account.balance != model.balance || account.balance < 0) {
            throw new AssertionError("balance " + account.balance + " but the model has " + model.balance);
          }
        });
  }

  @Test
  void correctSystemPassesEverySeed() {
    runner(Account::new).build().runSeeds(1, 2, 3, 4, 5);
  }

  @Test
  void brokenSystemFailsWithTheSeedTheStepAndAShortenedSequence() {
    AssertionError e = assertThrows(AssertionError.class, () -> runner(OverdrawsOn13::new).build().run(42));
    String message = e.getMessage();
    assertTrue(message.contains("failed for seed 42 at step "), message);
    assertTrue(message.contains("Replay this seed alone with -Dloyalty.seed=42"), message);
    Matcher shortened = SHORTENED.matcher(message);
    assertTrue(shortened.find(), message);
    assertEquals("1", shortened.group(1), "one overdrawing withdrawal is the whole bug:\n" + message);
    assertTrue(message.contains("  1. Withdraw[amount=13]"), message);
    assertTrue(e.getCause() instanceof AssertionError, "the original failure is the cause");
  }

  @Test
  void invariantIsCheckedAfterEveryStep() {
    ModelRunner<Account, Model, Op> runner = runner(Deposits7As8::new).build();
    long seed = 9;
    int firstSeven = runner.generate(seed).indexOf(new Deposit(7)) + 1;
    assertTrue(firstSeven > 0, "the seed deposits 7 somewhere");

    AssertionError e = assertThrows(AssertionError.class, () -> runner.run(seed));
    assertTrue(e.getMessage().contains("at step " + firstSeven + " of 200"),
        "fails at the very step that broke the state, " + firstSeven + ":\n" + e.getMessage());
    assertTrue(e.getMessage().contains("  1. Deposit[amount=7]"), e.getMessage());
  }

  @Test
  void failureThatDoesNotReproduceIsReportedUnshortened() {
    AtomicInteger created = new AtomicInteger();
    // Only the first system is broken: a re-run from a fresh one passes, as with a timing-dependent bug.
    Supplier<Account> flaky = () -> created.getAndIncrement() == 0 ? new OverdrawsOn13() : new Account();
    AssertionError e = assertThrows(AssertionError.class, () -> runner(flaky).build().run(42));
    assertTrue(e.getMessage().contains("did not reproduce on a fresh system"), e.getMessage());
    assertTrue(e.getMessage().contains("Withdraw[amount=13]"), e.getMessage());
  }

  @Test
  void shrinkBudgetBoundsTheReRuns() {
    // A seed whose failure takes more than five re-runs to shorten when the budget is the default.
    long seed = 1;
    while (reRuns(failureOf(seed)) <= 5) {
      seed++;
    }
    long chosen = seed;
    AtomicInteger created = new AtomicInteger();
    AssertionError e = assertThrows(AssertionError.class, () -> runner(() -> {
      created.incrementAndGet();
      return new OverdrawsOn13();
    }).shrinkBudget(5).build().run(chosen));
    assertEquals(1 + 5, created.get(), "the run and five re-runs");
    assertEquals(5, reRuns(e), e.getMessage());
  }

  private static AssertionError failureOf(long seed) {
    return assertThrows(AssertionError.class, () -> runner(OverdrawsOn13::new).build().run(seed));
  }

  private static int reRuns(AssertionError e) {
    Matcher m = Pattern.compile("\\((\\d+) re-runs from a fresh system\\)").matcher(e.getMessage());
    assertTrue(m.find(), e.getMessage());
    return Integer.parseInt(m.group(1));
  }

  @Test
  void setupFailureIsStepZero() {
    IllegalStateException down = new IllegalStateException("database down");
    AssertionError e = assertThrows(AssertionError.class, () -> runner(() -> {
      throw down;
    }).build().run(3));
    assertTrue(e.getMessage().contains("at step 0 of 200 (setting up the system"), e.getMessage());
    assertSame(down, e.getCause());
  }

  @Test
  void everySystemIsClosedAfterItsRun() {
    List<Account> systems = new java.util.ArrayList<>();
    ModelRunner<Account, Model, Op> runner = runner(() -> {
      Account a = new Account();
      systems.add(a);
      return a;
    }).steps(10).build();
    runner.run(1);
    runner.run(2);
    assertEquals(2, systems.size());
    assertTrue(systems.stream().allMatch(a -> a.closed));
  }

  @Test
  void sameSeedGeneratesTheSameOperationsAndGeneratorsSeeThePreviousOnes() {
    ModelRunner<Account, Model, Op> runner = runner(Account::new).build();
    assertEquals(runner.generate(5), runner.generate(5));
    assertNotEquals(runner.generate(5), runner.generate(6));

    ModelRunner<Account, Model, Op> repeating = runner(Account::new)
        .operations((random, previous) -> previous.isEmpty() ? new Deposit(random.nextLong(1, 100))
            : previous.get(previous.size() - 1))
        .steps(5).build();
    List<Op> ops = repeating.generate(1);
    assertEquals(5, ops.size());
    assertEquals(1, ops.stream().distinct().count(), "each operation repeats the one before: " + ops);
  }

  @Test
  void seedPropertySelectsExactlyOneSeed() {
    long[] defaults = {1, 2, 3};
    assertArrayEquals(defaults, ModelRunner.seeds(null, defaults));
    assertArrayEquals(defaults, ModelRunner.seeds(" ", defaults));
    assertArrayEquals(new long[] {-77}, ModelRunner.seeds(" -77 ", defaults));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelRunner.seeds("abc", defaults));
    assertTrue(e.getMessage().contains("loyalty.seed"), e.getMessage());
  }

  @Test
  void builderNamesTheMissingPartAndRejectsBadBounds() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ModelRunner.<Account, Model, Op>builder().system(Account::new).build());
    assertTrue(e.getMessage().contains("model"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModelRunner.builder().steps(0));
    assertThrows(IllegalArgumentException.class, () -> ModelRunner.builder().shrinkBudget(-1));
  }
}
