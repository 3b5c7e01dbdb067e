package io.loyaltyengine.examples.replay;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's clock during a replay: it shows the time of the invoice being applied, so that ledger entries,
 * participants' creation and the monthly boards fall where the order log puts them, not on the day of the replay.
 * The replay moves it before each invoice; it stands still in between.
 *
 * <p>Thread-safe: the instant is held in an {@link AtomicReference} shared with every {@link #withZone} view, so
 * the engine's threads see each move.
 */
final class ReplayClock extends Clock {
  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  /** A clock showing {@code start}, in UTC. */
  ReplayClock(Instant start) {
    this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
  }

  private ReplayClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /** Moves the clock (and its views) to {@code instant}. */
  void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
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

  /** A view in another zone that shows the same instant and moves with this clock. */
  @Override
  public Clock withZone(ZoneId zone) {
    return new ReplayClock(now, Objects.requireNonNull(zone, "zone"));
  }

  @Override
  public String toString() {
    return "ReplayClock[" + now.get() + ", " + zone + "]";
  }
}
