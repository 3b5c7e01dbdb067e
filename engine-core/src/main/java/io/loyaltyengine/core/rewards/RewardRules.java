package io.loyaltyengine.core.rewards;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardType;
import java.util.Currency;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The pure rules of campaign rewards and loyalty actions: which definitions, programs and keys are valid.
 * Rejections are {@link LoyaltyException}s with code VALIDATION_ERROR naming the field; messages never repeat the
 * rejected value.
 *
 * <p>Thread-safe: stateless.
 */
public final class RewardRules {
  /** Longest reward name. */
  public static final int MAX_NAME_LENGTH = 200;
  /** Most actions per unlock, and most unlocks per participant. */
  public static final int MAX_CONVERSIONS = 1_000_000;
  /** Largest limit. */
  public static final int MAX_LIMIT = 1_000_000;
  /** Longest CUSTOM_MESSAGE text. */
  public static final int MAX_MESSAGE_LENGTH = 2_000;
  /** Largest coupon low-stock threshold. */
  public static final int MAX_LOW_STOCK_THRESHOLD = 1_000_000;
  /**
   * Longest fulfilment handler name: its listener is named {@code fulfilment.<name>}, and listener names are at
   * most 64 characters.
   */
  public static final int MAX_HANDLER_LENGTH = 64 - Fulfilment.LISTENER_PREFIX.length();

  private static final Pattern HANDLER = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_HANDLER_LENGTH + "}");
  /**
   * The ISO 4217 codes the JVM knows ({@link Currency#getAvailableCurrencies()}, which JDK updates keep current and a
   * host can extend with a {@code currency.properties} file): three capital letters alone would take a typo such as
   * {@code EUD}, and every CASH reward would carry it.
   */
  private static final Set<String> CURRENCIES = Currency.getAvailableCurrencies().stream()
      .map(Currency::getCurrencyCode).collect(Collectors.toUnmodifiableSet());

  private RewardRules() {
  }

  /**
   * Validates a reward definition.
   *
   * <p>Beyond the bounds of {@link NewCampaignReward}: the fields of other types must keep their defaults (0 or
   * null), since a CASH reward with points, say, is a caller's mistake the engine would otherwise hide; an INVITED
   * reward is earned once per invited participant, so its {@code conversionsRequired} and {@code limit} are 1.
   *
   * @return the definition with its texts stripped
   * @throws LoyaltyException VALIDATION_ERROR naming {@code reward}, {@code name}, {@code type}, {@code audience},
   *     {@code conversionsRequired}, {@code limit}, {@code points}, {@code message}, {@code cashAmountMinor},
   *     {@code currency} or {@code handler}
   */
  public static NewCampaignReward validate(NewCampaignReward reward, EngineLimits limits) {
    TextRules.notNull("reward", reward);
    String name = TextRules.required("name", reward.name(), MAX_NAME_LENGTH);
    RewardType type = TextRules.notNull("type", reward.type());
    RewardAudience audience = TextRules.notNull("audience", reward.audience());
    int conversions = reward.conversionsRequired();
    if (conversions < 1 || conversions > MAX_CONVERSIONS) {
      throw LoyaltyException.validation("conversionsRequired",
          "conversionsRequired must be between 1 and " + MAX_CONVERSIONS);
    }
    Integer limit = reward.limit();
    if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
      throw LoyaltyException.validation("limit",
          "limit must be between 1 and " + MAX_LIMIT + ", or null for unlimited");
    }
    if (audience == RewardAudience.INVITED) {
      if (conversions != 1) {
        throw LoyaltyException.validation("conversionsRequired",
            "a reward for the invited participant is earned on the referral itself: conversionsRequired must be 1");
      }
      if (limit == null || limit != 1) {
        throw LoyaltyException.validation("limit",
            "a reward for the invited participant is earned once: limit must be 1");
      }
    }
    long points = reward.points();
    String message = reward.message();
    long cash = reward.cashAmountMinor();
    String currency = reward.currency();
    String handler = reward.handler();
    if (type == RewardType.POINTS) {
      if (points < 1 || points > limits.maxPointsPerOperation()) {
        throw LoyaltyException.validation("points", "points must be between 1 and " + limits.maxPointsPerOperation());
      }
    } else {
      unused("points", points != 0, type);
    }
    if (type == RewardType.CUSTOM_MESSAGE) {
      message = message(message);
    } else {
      unused("message", message != null, type);
    }
    if (type == RewardType.CASH) {
      if (cash < 1) {
        throw LoyaltyException.validation("cashAmountMinor",
            "cashAmountMinor must be a positive amount of minor units");
      }
      if (currency == null || !CURRENCIES.contains(currency)) {
        throw LoyaltyException.validation("currency", "currency must be a three-letter upper-case ISO 4217 code");
      }
    } else {
      unused("cashAmountMinor", cash != 0, type);
      unused("currency", currency != null, type);
    }
    if (type == RewardType.CUSTOM) {
      handler = handlerName("handler", handler);
    } else {
      unused("handler", handler != null, type);
    }
    return new NewCampaignReward(name, type, audience, conversions, limit, points, message, cash, currency, handler);
  }

  /**
   * Validates a fulfilment handler name: 1..{@link #MAX_HANDLER_LENGTH} of {@code a-z A-Z 0-9 _ - .}.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}
   */
  public static String handlerName(String field, String name) {
    if (name == null || !HANDLER.matcher(name).matches()) {
      throw LoyaltyException.validation(field,
          field + " must be 1 to " + MAX_HANDLER_LENGTH + " of letters, digits and _ - .");
    }
    return name;
  }

  /**
   * Validates a coupon low-stock threshold, 0..{@value #MAX_LOW_STOCK_THRESHOLD}.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code couponLowStockThreshold}
   */
  public static int lowStockThreshold(int threshold) {
    if (threshold < 0 || threshold > MAX_LOW_STOCK_THRESHOLD) {
      throw LoyaltyException.validation("couponLowStockThreshold",
          "couponLowStockThreshold must be between 0 and " + MAX_LOW_STOCK_THRESHOLD);
    }
    return threshold;
  }

  /**
   * A message shown to a participant: stripped, not blank, at most {@value #MAX_MESSAGE_LENGTH} code points, valid
   * Unicode; unlike other texts it may span lines (tab, CR and LF are kept), but other control characters are
   * refused.
   */
  private static String message(String message) {
    return TextRules.requiredLines("message", message, MAX_MESSAGE_LENGTH);
  }

  private static void unused(String field, boolean set, RewardType type) {
    if (set) {
      throw LoyaltyException.validation(field, field + " does not apply to " + type + " rewards");
    }
  }
}
