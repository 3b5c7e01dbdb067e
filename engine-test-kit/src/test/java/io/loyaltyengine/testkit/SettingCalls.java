package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.model.ModelRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The pieces of the settings fuzz tests: a setter call as a value, the refusals a javadoc documents for it, and the
 * check that a call either accepts its value or throws one of them. Stateless; thread-safe.
 */
final class SettingCalls {
  /** Seeds of each fuzz: a failing one is printed with a shortened sequence, {@code -Dloyalty.seed} replays it. */
  static final long[] SEEDS = seeds(100);

  private SettingCalls() {
  }

  static long[] seeds(int count) {
    long[] seeds = new long[count];
    for (int i = 0; i < count; i++) {
      seeds[i] = 104_729L * (i + 1);
    }
    return seeds;
  }

  /**
   * One call of a setter (or constructor, or {@code with...} method) with its arguments, which may be null. A value
   * with no reference into a run's state, so that a shortened sequence replays it on a fresh builder; arguments that
   * must be fresh objects (a storage, a clock) are tokens the step turns into one.
   */
  record Call(String setter, List<Object> args) {
    static Call of(String setter, Object... args) {
      return new Call(setter, Collections.unmodifiableList(Arrays.asList(args)));
    }

    Object arg(int i) {
      return args.get(i);
    }

    int intArg(int i) {
      return (Integer) args.get(i);
    }

    long longArg(int i) {
      return (Long) args.get(i);
    }

    Duration durationArg(int i) {
      return (Duration) args.get(i);
    }

    String stringArg(int i) {
      return (String) args.get(i);
    }

    @Override
    public String toString() {
      return setter + args.stream().map(SettingCalls::show).collect(Collectors.joining(", ", "(", ")"));
    }
  }

  /** A string quoted and cut short (a 10,000-character value would swamp the report); anything else as is. */
  static String show(Object value) {
    if (value instanceof String s) {
      return s.length() <= 60 ? "\"" + s + "\"" : "\"" + s.substring(0, 40) + "...\" (" + s.length() + " chars)";
    }
    if (value instanceof List<?> list) {
      return list.stream().map(SettingCalls::show).collect(Collectors.joining(", ", "[", "]"));
    }
    return String.valueOf(value);
  }

  /**
   * A refusal a javadoc documents: the exception's type, the setting its message must name and, when the setting
   * has one, the bound the value broke (as the message writes it).
   */
  record Refusal(Class<? extends RuntimeException> type, String setting, String bound) {
    boolean matches(RuntimeException e) {
      String message = e.getMessage();
      return type.isInstance(e) && message != null && message.contains(setting)
          && (bound == null || message.contains(bound));
    }

    @Override
    public String toString() {
      return type.getSimpleName() + " naming " + setting + (bound == null ? "" : " and " + bound);
    }
  }

  static Refusal npe(String setting) {
    return new Refusal(NullPointerException.class, setting, null);
  }

  static Refusal iae(String setting, Object bound) {
    return new Refusal(IllegalArgumentException.class, setting, bound == null ? null : String.valueOf(bound));
  }

  static Refusal ise(String setting) {
    return new Refusal(IllegalStateException.class, setting, null);
  }

  /** Nothing refused, or each of {@code refusals} that applies (null entries are left out). */
  static List<Refusal> refusals(Refusal... refusals) {
    List<Refusal> out = new ArrayList<>();
    for (Refusal r : refusals) {
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** The refusal of {@code value} outside {@code min..max}, naming the bound it broke; null inside. */
  static Refusal outside(String setting, long value, long min, long max) {
    return value < min ? iae(setting, min) : value > max ? iae(setting, max) : null;
  }

  /** As {@link #outside(String, long, long, long)}; a null duration is a NullPointerException naming the setting. */
  static Refusal outside(String setting, Duration value, Duration min, Duration max) {
    if (value == null) {
      return npe(setting);
    }
    return value.compareTo(min) < 0 ? iae(setting, min) : value.compareTo(max) > 0 ? iae(setting, max) : null;
  }

  /**
   * Runs {@code action}, the call {@code call}: with no refusal documented for it, it must return normally; else it
   * must throw one of {@code documented} (several may apply; which one comes first is not documented). Anything
   * else fails the run: an undocumented exception (an {@code ArithmeticException} say), a message that does not
   * name the setting or the bound, a value accepted that the javadoc refuses or refused that it accepts.
   *
   * @return whether the call accepted its value
   */
  static boolean attempt(Call call, List<Refusal> documented, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      if (documented.isEmpty()) {
        throw new AssertionError(call + " refused a value its javadoc accepts: " + e, e);
      }
      for (Refusal r : documented) {
        if (r.matches(e)) {
          tally(call.setter(), false);
          return false;
        }
      }
      throw new AssertionError(call + " threw " + e + ", but its javadoc documents " + documented, e);
    }
    if (!documented.isEmpty()) {
      throw new AssertionError(call + " was accepted, but its javadoc documents " + documented);
    }
    tally(call.setter(), true);
    return true;
  }

  /** Counts, per setter of the fuzz running on this thread, the calls accepted [0] and refused [1]. */
  private static final ThreadLocal<Map<String, int[]>> TALLY = new ThreadLocal<>();

  private static void tally(String setter, boolean accepted) {
    Map<String, int[]> tally = TALLY.get();
    if (tally != null) {
      tally.computeIfAbsent(setter, s -> new int[2])[accepted ? 0 : 1]++;
    }
  }

  /** A nullable value of {@code values}: null one time in ten. */
  static <T> Gen<T> orNull(Gen<T> values) {
    return Gen.frequency(Gen.weight(9, values), Gen.weight(1, Gen.constant(null)));
  }

  /**
   * Runs {@code steps} calls of {@code calls} per seed of {@code seeds} on fresh systems and models, checking
   * {@code invariant} before the first call and after each. Then checks that the values drawn reached both sides
   * of each setter: every setter (but those of {@code neverRefused}) was called, accepted a value and refused one,
   * so that a generator drifting away from a bound fails the test rather than thinning it.
   */
  static <S, M> void fuzz(String name, Supplier<S> system, Function<S, M> model, Gen<Call> calls,
      ModelRunner.Step<S, M, Call> step, ModelRunner.Invariant<S, M> invariant, int steps, long[] seeds,
      Set<String> setters, Set<String> neverRefused) {
    Map<String, int[]> tally = new TreeMap<>();
    TALLY.set(tally);
    try {
      ModelRunner.<S, M, Call>builder()
          .name(name)
          .system(system)
          .model(model)
          .operations(calls)
          .step(step)
          .invariant(invariant)
          .steps(steps)
          .build()
          .runSeeds(seeds);
    } finally {
      TALLY.remove();
    }
    if (ModelRunner.seeds(seeds).length == 1) {
      return; // one seed replayed alone (-Dloyalty.seed) need not reach every side
    }
    for (String setter : setters) {
      int[] counts = tally.getOrDefault(setter, new int[2]);
      if (counts[0] == 0 || counts[1] == 0 && !neverRefused.contains(setter)) {
        throw new AssertionError(name + ": " + setter + " was accepted " + counts[0] + " times and refused "
            + counts[1] + " times; the values drawn must reach both sides of its bounds");
      }
    }
  }

  /** A mutable slot, for a model that is one immutable value (the settings a builder must build now). */
  static final class Box<T> {
    T value;

    Box(T value) {
      this.value = value;
    }
  }
}
