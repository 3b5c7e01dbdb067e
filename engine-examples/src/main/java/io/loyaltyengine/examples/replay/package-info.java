/**
 * A replay of a real order log (the UCI "Online Retail" CSV) through the engine, as a shop migrating its history
 * would: {@link io.loyaltyengine.examples.replay.OnlineRetailReplay} is the command; see {@code docs/REPLAY.md}.
 */
package io.loyaltyengine.examples.replay;
