package io.loyaltyengine.testkit.model;

import io.loyaltyengine.testkit.gen.Gen;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Model-based testing in the style of Caffeine's {@code LinkedDequeFuzzer}: applies a seeded, random sequence of
 * operations to a fresh system under test and to a reference model, and checks invariants after every step.
 *
 * <pre>{@code
 * ModelRunner<Bank, LedgerModel, Op> runner = ModelRunner.<Bank, LedgerModel, Op>builder()
 *     .name("bank")
 *     .system(Bank::new)                          // a fresh system for every run and re-run
 *     .model(bank -> new LedgerModel(1_000))      // a fresh model beside it
 *     .operations(Op.generator())                 // values with a readable toString
 *     .step((bank, model, op) -> op.apply(bank, model))  // applies to both, asserts they agree
 *     .invariant((bank, model) -> bank.check(model))     // after every step
 *     .steps(200)
 *     .build();
 * runner.runSeeds(1, 2, 3, 4, 5);                 // or exactly -Dloyalty.seed=<seed> when set
 * }</pre>
 *
 * <h2>Failures</h2>
 * A step or invariant that throws fails the run. The runner then looks for a shorter failing sequence by re-running
 * from a fresh system with operations removed (delta debugging: chunks of halving size, within a budget of
 * re-runs), and throws an {@link AssertionError} whose message (also printed on {@code System.err}) gives the seed,
 * the failing step, the shortened sequence, and how to replay the seed alone with {@code -Dloyalty.seed=<seed>}.
 * The original failure is the cause. Shrinking assumes that the system, given the same operations, behaves the same;
 * if the failure does not reproduce on a fresh system the message says so and lists the original sequence.
 *
 * <p>Operations must be self-contained values (no references into one run's state), because the shortened sequence
 * re-applies them to another system: name participants by a slot number rather than by an id, for example. A
 * system that is {@link AutoCloseable} is closed after each run.
 *
 * <p>Thread-safe if its functions are: every run uses its own system, model and random generator.
 *
 * @param <S> the system under test
 * @param <M> the model
 * @param <O> the operations
 */
public final class ModelRunner<S, M, O> {
  /** The system property that, when set, makes {@link #runSeeds} run exactly that seed. */
  public static final String SEED_PROPERTY = "loyalty.seed";

  private final String name;
  private final Supplier<? extends S> systems;
  private final Function<? super S, ? extends M> models;
  private final Operations<O> operations;
  private final Step<? super S, ? super M, ? super O> step;
  private final Invariant<? super S, ? super M> invariant;
  private final int steps;
  private final int shrinkBudget;

  private ModelRunner(Builder<S, M, O> b) {
    this.name = b.name;
    this.systems = b.systems;
    this.models = b.models;
    this.operations = b.operations;
    this.step = b.step;
    this.invariant = b.invariant;
    this.steps = b.steps;
    this.shrinkBudget = b.shrinkBudget;
  }

  /** A new builder. */
  public static <S, M, O> Builder<S, M, O> builder() {
    return new Builder<>();
  }

  /**
   * The seeds to run: exactly the one in {@code -Dloyalty.seed} when that property is set, else {@code defaults}.
   *
   * @throws IllegalArgumentException if the property is set but not a {@code long}
   */
  public static long[] seeds(long... defaults) {
    return seeds(System.getProperty(SEED_PROPERTY), defaults);
  }

  static long[] seeds(String property, long[] defaults) {
    if (property == null || property.isBlank()) {
      return defaults.clone();
    }
    try {
      return new long[] {Long.parseLong(property.strip())};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(SEED_PROPERTY + " must be a long but was '" + property + "'", e);
    }
  }

  /** The operations a run of {@code seed} applies, in order; the same seed always gives the same list. */
  public List<O> generate(long seed) {
    RandomGenerator random = Gen.random(seed);
    List<O> generated = new ArrayList<>(steps);
    List<O> view = Collections.unmodifiableList(generated);
    for (int i = 0; i < steps; i++) {
      generated.add(Objects.requireNonNull(operations.next(random, view), "the operation generator returned null"));
    }
    return List.copyOf(generated);
  }

  /** Runs each seed of {@link #seeds(long...) seeds(defaults)} in turn, stopping at the first failure. */
  public void runSeeds(long... defaults) {
    for (long seed : seeds(defaults)) {
      run(seed);
    }
  }

  /**
   * Runs the sequence of {@code seed} on a fresh system and model, checking invariants after every step.
   *
   * @throws AssertionError describing the seed, the step and a shortened failing sequence, if a step or an
   *     invariant fails
   */
  public void run(long seed) {
    List<O> ops = generate(seed);
    Failure failure = execute(ops);
    if (failure == null) {
      return;
    }
    Shrunk<O> shrunk = shrink(ops.subList(0, failure.step), failure);
    String report = report(seed, ops.size(), failure, shrunk);
    System.err.println(report);
    AssertionError error = new AssertionError(report, failure.cause);
    if (shrunk.failure != failure) {
      error.addSuppressed(shrunk.failure.cause);
    }
    throw error;
  }

  /** Applies {@code ops} to a fresh system; returns the first failure, or null. Step 0 is setup and the first check. */
  private Failure execute(List<O> ops) {
    S system;
    try {
      system = systems.get();
    } catch (OutOfMemoryError e) {
      throw e;
    } catch (Throwable t) {
      return new Failure(0, t);
    }
    int at = 0;
    try {
      M model = models.apply(system);
      invariant.check(system, model);
      for (O op : ops) {
        at++;
        step.apply(system, model, op);
        invariant.check(system, model);
      }
      return null;
    } catch (OutOfMemoryError e) {
      throw e;
    } catch (Throwable t) {
      return new Failure(at, t);
    } finally {
      if (system instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          System.err.println("[" + name + "] closing the system failed: " + e);
        }
      }
    }
  }

  /** Delta debugging within the budget: removes chunks of halving size while the sequence still fails alike. */
  private Shrunk<O> shrink(List<O> failing, Failure original) {
    if (original.step == 0) {
      return new Shrunk<>(List.of(), original, 0, true);
    }
    if (shrinkBudget == 0) {
      return new Shrunk<>(List.copyOf(failing), original, 0, true);
    }
    Failure again = execute(failing);
    int runs = 1;
    if (!alike(again, original)) {
      return new Shrunk<>(List.copyOf(failing), original, runs, false);
    }
    List<O> best = List.copyOf(failing.subList(0, again.step));
    Failure current = again;
    int chunk = Math.max(1, best.size() / 2);
    while (runs < shrinkBudget) {
      boolean progress = false;
      int start = 0;
      while (start < best.size() && runs < shrinkBudget) {
        int end = Math.min(best.size(), start + chunk);
        if (end - start == best.size()) {
          start = end; // the empty sequence cannot fail a step
          continue;
        }
        List<O> candidate = new ArrayList<>(best.subList(0, start));
        candidate.addAll(best.subList(end, best.size()));
        Failure f = execute(candidate);
        runs++;
        if (alike(f, original)) {
          best = List.copyOf(candidate.subList(0, f.step));
          current = f;
          progress = true; // the next chunk has slid into this position: try it
        } else {
          start = end;
        }
      }
      if (progress) {
        chunk = Math.max(1, Math.min(chunk, best.size() / 2));
      } else if (chunk == 1) {
        break;
      } else {
        chunk /= 2;
      }
    }
    return new Shrunk<>(best, current, runs, true);
  }

  private static boolean alike(Failure f, Failure original) {
    return f != null && f.step > 0 && f.cause.getClass() == original.cause.getClass();
  }

  private String report(long seed, int total, Failure failure, Shrunk<O> shrunk) {
    StringBuilder out = new StringBuilder();
    out.append("Model-based run '").append(name).append("' failed for seed ").append(seed)
        .append(" at step ").append(failure.step).append(" of ").append(total)
        .append(failure.step == 0 ? " (setting up the system or checking it before the first operation)" : "")
        .append(":\n  ").append(indent(String.valueOf(failure.cause))).append('\n');
    if (failure.step > 0) {
      if (shrunk.reproduced) {
        out.append("Shortened failing sequence: ").append(shrunk.ops.size()).append(" of ").append(failure.step)
            .append(" operations (").append(shrunk.runs).append(" re-runs from a fresh system):\n");
      } else {
        out.append("The failure did not reproduce on a fresh system (it may depend on timing or on state outside "
            + "the system), so it was not shortened; the sequence up to the failing step:\n");
      }
      for (int i = 0; i < shrunk.ops.size(); i++) {
        out.append(String.format("  %3d. %s%n", i + 1, shrunk.ops.get(i)));
      }
      if (shrunk.failure != failure && !String.valueOf(shrunk.failure.cause).equals(String.valueOf(failure.cause))) {
        out.append("The shortened sequence fails at its step ").append(shrunk.failure.step).append(" with:\n  ")
            .append(indent(String.valueOf(shrunk.failure.cause))).append('\n');
      }
    }
    out.append("Replay this seed alone with -D").append(SEED_PROPERTY).append('=').append(seed);
    return out.toString();
  }

  private static String indent(String text) {
    return text.replace("\n", "\n  ");
  }

  @Override
  public String toString() {
    return "ModelRunner[" + name + ", steps=" + steps + ", shrinkBudget=" + shrinkBudget + "]";
  }

  private record Failure(int step, Throwable cause) {
  }

  private record Shrunk<O>(List<O> ops, Failure failure, int runs, boolean reproduced) {
  }

  /**
   * Generates the next operation, seeing the operations generated before it (for example to repeat one of them
   * as a retry). Called on the thread running the runner; must draw all randomness from the given generator.
   *
   * @param <O> the operations
   */
  @FunctionalInterface
  public interface Operations<O> {
    /** The next operation; never null. */
    O next(RandomGenerator random, List<O> previous);
  }

  /**
   * Applies one operation to the system and to the model, and asserts that they agree. Called on the thread
   * running the runner, with the system and model of that run only.
   *
   * @param <S> the system
   * @param <M> the model
   * @param <O> the operations
   */
  @FunctionalInterface
  public interface Step<S, M, O> {
    /** Applies {@code operation}; throws (usually an {@link AssertionError}) when system and model disagree. */
    void apply(S system, M model, O operation);
  }

  /**
   * Checks what must hold between any two steps. Called on the thread running the runner, with the system and
   * model of that run only.
   *
   * @param <S> the system
   * @param <M> the model
   */
  @FunctionalInterface
  public interface Invariant<S, M> {
    /** Throws (usually an {@link AssertionError}) when an invariant is broken. */
    void check(S system, M model);
  }

  /**
   * Builds a {@link ModelRunner}; each setter validates its value at once, {@link #build()} checks that the
   * required parts are there. Not thread-safe.
   *
   * @param <S> the system
   * @param <M> the model
   * @param <O> the operations
   */
  public static final class Builder<S, M, O> {
    private String name = "model";
    private Supplier<? extends S> systems;
    private Function<? super S, ? extends M> models;
    private Operations<O> operations;
    private Step<? super S, ? super M, ? super O> step;
    private Invariant<? super S, ? super M> invariant = (system, model) -> { };
    private int steps = 100;
    private int shrinkBudget = 200;

    private Builder() {
    }

    /** A name for messages (default {@code model}). */
    public Builder<S, M, O> name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Creates a fresh system under test for each run and re-run (required). */
    public Builder<S, M, O> system(Supplier<? extends S> systems) {
      this.systems = Objects.requireNonNull(systems, "system");
      return this;
    }

    /** Creates the model for a fresh system (required). */
    public Builder<S, M, O> model(Function<? super S, ? extends M> models) {
      this.models = Objects.requireNonNull(models, "model");
      return this;
    }

    /** Generates the operations, seeing the earlier ones (required; or {@link #operations(Gen)}). */
    public Builder<S, M, O> operations(Operations<O> operations) {
      this.operations = Objects.requireNonNull(operations, "operations");
      return this;
    }

    /** Generates the operations independently of each other (required; or {@link #operations(Operations)}). */
    public Builder<S, M, O> operations(Gen<? extends O> operations) {
      Objects.requireNonNull(operations, "operations");
      this.operations = (random, previous) -> operations.next(random);
      return this;
    }

    /** Applies an operation to system and model and asserts they agree (required). */
    public Builder<S, M, O> step(Step<? super S, ? super M, ? super O> step) {
      this.step = Objects.requireNonNull(step, "step");
      return this;
    }

    /** Checked before the first step and after every step (default: none). */
    public Builder<S, M, O> invariant(Invariant<? super S, ? super M> invariant) {
      this.invariant = Objects.requireNonNull(invariant, "invariant");
      return this;
    }

    /** Operations per run, 1..1,000,000 (default 100). */
    public Builder<S, M, O> steps(int steps) {
      if (steps < 1 || steps > 1_000_000) {
        throw new IllegalArgumentException("steps must be between 1 and 1000000 but was " + steps);
      }
      this.steps = steps;
      return this;
    }

    /** Most re-runs spent shortening a failing sequence, 0..100,000 (default 200). */
    public Builder<S, M, O> shrinkBudget(int runs) {
      if (runs < 0 || runs > 100_000) {
        throw new IllegalArgumentException("shrinkBudget must be between 0 and 100000 but was " + runs);
      }
      this.shrinkBudget = runs;
      return this;
    }

    /**
     * Returns the runner.
     *
     * @throws IllegalStateException naming a required part that was not set
     */
    public ModelRunner<S, M, O> build() {
      require(systems, "system");
      require(models, "model");
      require(operations, "operations");
      require(step, "step");
      return new ModelRunner<>(this);
    }

    private static void require(Object part, String setter) {
      if (part == null) {
        throw new IllegalStateException(setter + "(...) is required");
      }
    }
  }
}
