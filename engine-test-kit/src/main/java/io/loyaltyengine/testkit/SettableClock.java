package io.loyaltyengine.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it, for deterministic timestamps and month boundaries.
 *
 * <pre>{@code
 * SettableClock clock = SettableClock.at(Instant.parse("2025-03-31T23:59:59Z"));
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).clock(clock).build();
 * clock.advance(Duration.ofSeconds(1)); // now in April
 * }</pre>
 *
 * <p>The zone is UTC unless another is chosen with {@link #withZone(ZoneId)}; a clock obtained that way shows the
 * same instant as this one and moves with it.
 *
 * <p>Thread-safe: the instant is held in an {@link AtomicReference}, so threads may read and move the clock
 * concurrently; every read sees the latest {@link #set} or {@link #advance}.
 */
public final class SettableClock extends Clock {
  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  private SettableClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /**
   * A clock showing {@code instant} in UTC.
   *
   * @throws NullPointerException if {@code instant} is null
   */
  public static SettableClock at(Instant instant) {
    return new SettableClock(new AtomicReference<>(Objects.requireNonNull(instant, "instant")), ZoneOffset.UTC);
  }

  /**
   * Moves the clock to {@code instant}, forwards or backwards.
   *
   * @throws NullPointerException if {@code instant} is null
   */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  /**
   * Moves the clock by {@code duration} (backwards when negative), atomically with respect to other moves.
   *
   * @return the new instant
   * @throws NullPointerException if {@code duration} is null
   * @throws java.time.DateTimeException if the result is outside the supported range of {@link Instant}
   * @throws ArithmeticException if the result's seconds overflow a {@code long} (as {@link Instant#plus} does); either
   *     way the clock does not move
   */
  public Instant advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    return now.updateAndGet(instant -> instant.plus(duration));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public long millis() {
    return now.get().toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** A view of this clock in another zone: it shows the same instant and moves with this clock. */
  @Override
  public SettableClock withZone(ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    return zone.equals(this.zone) ? this : new SettableClock(now, zone);
  }

  /** Equal to another settable clock that shares this one's instant (a {@link #withZone} view) and zone. */
  @Override
  public boolean equals(Object other) {
    return other instanceof SettableClock that && that.now == now && that.zone.equals(zone);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(now) * 31 + zone.hashCode();
  }

  @Override
  public String toString() {
    return "SettableClock[" + now.get() + ", " + zone + "]";
  }
}
