package io.loyaltyengine.testkit.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A generator of test values: a plain function of a {@link RandomGenerator}, so that it works with any
 * property-testing library (or none) and the same seed always gives the same values.
 *
 * <pre>{@code
 * RandomGenerator random = Gen.random(42);
 * Gen<String> emails = Gen.frequency(Gen.weight(9, Generators.emails()), Gen.weight(1, Generators.invalidEmails()));
 * String email = emails.next(random);
 * }</pre>
 *
 * <p>Implementations must draw all their randomness from the given generator (never from a clock, a hash order or
 * a static random), so that values are reproducible. Generators built here keep no state and are thread-safe; the
 * {@link RandomGenerator} passed in usually is not, so give each thread its own.
 *
 * @param <T> the type of the values
 */
@FunctionalInterface
public interface Gen<T> {

  /** Draws the next value. */
  T next(RandomGenerator random);

  /** This generator with {@code mapper} applied to each value. */
  default <R> Gen<R> map(Function<? super T, ? extends R> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    return random -> mapper.apply(next(random));
  }

  /**
   * A generator of lists of {@code minSize..maxSize} values of this generator.
   *
   * @throws IllegalArgumentException if {@code minSize} is negative or greater than {@code maxSize}
   */
  default Gen<List<T>> list(int minSize, int maxSize) {
    if (minSize < 0) {
      throw new IllegalArgumentException("minSize must not be negative but was " + minSize);
    }
    Gen<Integer> sizes = ints(minSize, maxSize);
    return random -> {
      int size = sizes.next(random);
      List<T> values = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        values.add(next(random));
      }
      return values;
    };
  }

  /**
   * A random generator with a fixed, documented algorithm (L64X128MixRandom), so a seed gives the same sequence on
   * every JDK. Not thread-safe.
   */
  static RandomGenerator random(long seed) {
    return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  }

  /** Always {@code value}. */
  static <T> Gen<T> constant(T value) {
    return random -> value;
  }

  /**
   * One of {@code values}, uniformly.
   *
   * @throws IllegalArgumentException if there is no value
   * @throws NullPointerException if a value is null
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only copied into a list, never stored or exposed
  static <T> Gen<T> elements(T... values) {
    return elements(List.of(values));
  }

  /**
   * One of {@code values}, uniformly; the list is copied (and must not hold nulls).
   *
   * @throws IllegalArgumentException if the list is empty
   * @throws NullPointerException if the list or a value is null
   */
  static <T> Gen<T> elements(List<? extends T> values) {
    List<? extends T> copy = List.copyOf(values);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("elements needs at least one value");
    }
    return random -> copy.get(random.nextInt(copy.size()));
  }

  /**
   * A value of one of {@code generators}, chosen uniformly.
   *
   * @throws IllegalArgumentException if there is no generator
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only copied into a list, never stored or exposed
  static <T> Gen<T> oneOf(Gen<? extends T>... generators) {
    List<Gen<? extends T>> copy = List.of(generators);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("oneOf needs at least one generator");
    }
    return random -> copy.get(random.nextInt(copy.size())).next(random);
  }

  /**
   * A value of one of the weighted generators, each chosen in proportion to its weight.
   *
   * @throws IllegalArgumentException if no choice has a positive weight
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only copied into a list, never stored or exposed
  static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
    List<Weighted<? extends T>> copy = List.of(choices);
    long total = copy.stream().mapToLong(Weighted::weight).sum();
    if (total <= 0) {
      throw new IllegalArgumentException("frequency needs at least one choice of positive weight");
    }
    return random -> {
      long pick = random.nextLong(total);
      for (Weighted<? extends T> choice : copy) {
        pick -= choice.weight();
        if (pick < 0) {
          return choice.gen().next(random);
        }
      }
      throw new AssertionError("unreachable: weights sum to " + total);
    };
  }

  /**
   * A choice for {@link #frequency}: {@code gen} with relative weight {@code weight}.
   *
   * @throws IllegalArgumentException if {@code weight} is negative
   */
  static <T> Weighted<T> weight(int weight, Gen<? extends T> gen) {
    return new Weighted<>(weight, gen);
  }

  /**
   * Integers in {@code minInclusive..maxInclusive}, uniformly.
   *
   * @throws IllegalArgumentException if {@code minInclusive > maxInclusive}
   */
  static Gen<Integer> ints(int minInclusive, int maxInclusive) {
    if (minInclusive > maxInclusive) {
      throw new IllegalArgumentException("min " + minInclusive + " is greater than max " + maxInclusive);
    }
    return random -> (int) random.nextLong(minInclusive, (long) maxInclusive + 1);
  }

  /**
   * Longs in {@code minInclusive..maxInclusive}, uniformly.
   *
   * @throws IllegalArgumentException if {@code minInclusive > maxInclusive}
   */
  static Gen<Long> longs(long minInclusive, long maxInclusive) {
    if (minInclusive > maxInclusive) {
      throw new IllegalArgumentException("min " + minInclusive + " is greater than max " + maxInclusive);
    }
    return random -> maxInclusive == Long.MAX_VALUE
        ? (minInclusive == Long.MIN_VALUE ? random.nextLong() : random.nextLong(minInclusive - 1, maxInclusive) + 1)
        : random.nextLong(minInclusive, maxInclusive + 1);
  }

  /**
   * A generator with a relative weight, for {@link #frequency}. Immutable; thread-safe if its generator is.
   *
   * @param weight the relative weight, not negative
   * @param gen the generator
   * @param <T> the type of the values
   */
  record Weighted<T>(int weight, Gen<? extends T> gen) {
    /** Validates the weight. */
    public Weighted {
      if (weight < 0) {
        throw new IllegalArgumentException("weight must not be negative but was " + weight);
      }
      Objects.requireNonNull(gen, "gen");
    }
  }
}
