package io.loyaltyengine.core.sso;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.customers.CustomerMappingService;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.participant.EmailAddresses;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.spi.SsoSecretRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.sso.SingleSignOn;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.sso.SsoSignatures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Single sign-on of one tenant (the rules and their order are in {@link SingleSignOn#recognize}).
 *
 * <p>A recognition is one unit of work: read the tenant's secrets, verify the signature, check the timestamp and the
 * fields, then find or make the participant and its mapping. Refusals before the last step write nothing. The
 * participant and the mapping are inserted together, and concurrent first logins of one customer are decided by the
 * store's unique constraints (the campaign's email, the campaign's customer id): the loser's unit of work fails on
 * the constraint and runs again, finding the winner's mapping, as a concurrent participant creation would.
 *
 * <p>Thread-safe when its context is.
 */
public final class SingleSignOnService implements SingleSignOn {
  /** Random bytes of a secret (256 bits, the size of an HMAC-SHA256 output). */
  static final int SECRET_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SIGNATURE_HEX_LENGTH = 64;

  private final ScopeContext context;
  private final SsoSettings settings;

  /** Creates the service. */
  public SingleSignOnService(ScopeContext context, SsoSettings settings) {
    this.context = Objects.requireNonNull(context, "context");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** A new secret: base64url without padding of {@value #SECRET_BYTES} random bytes. */
  static String newSecret() {
    byte[] key = new byte[SECRET_BYTES];
    RANDOM.nextBytes(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
  }

  @Override
  public SsoSecret rotateSecret() {
    long tenantId = context.tenantId();
    Instant now = context.now();
    // Made before the unit of work, so that a retried transaction stores the secret it returns.
    String secret = newSecret();
    Instant until = settings.rotationGrace().isZero() ? null : graceEnd(now, settings.rotationGrace());
    return context.transactions().run(tx -> {
      TenantService.require(tx, tenantId);
      Optional<SsoSecretRecord> current = tx.ssoSecrets().lock(tenantId);
      while (current.isEmpty()) {
        if (tx.ssoSecrets().insertIfAbsent(new SsoSecretRecord(tenantId, secret, null, null, now))) {
          return new SsoSecret(secret, now, null);
        }
        // A concurrent first rotation committed its row first: rotate after it (or, if a disable deleted that row
        // since, insert again).
        current = tx.ssoSecrets().lock(tenantId);
      }
      SsoSecretRecord old = current.get();
      tx.ssoSecrets().update(new SsoSecretRecord(tenantId, secret, until == null ? null : old.secret(), until, now));
      return new SsoSecret(secret, now, until);
    });
  }

  /**
   * When a grace from {@code now} (whole microseconds) ends: up to the next whole microsecond, as the stores keep
   * instants (the storage SPI), so that a grace with a fraction of one lasts at least its length on every store.
   */
  static Instant graceEnd(Instant now, Duration grace) {
    Instant end = now.plus(grace);
    Instant whole = end.truncatedTo(ChronoUnit.MICROS);
    return whole.equals(end) ? end : whole.plus(1, ChronoUnit.MICROS);
  }

  @Override
  public void disable() {
    long tenantId = context.tenantId();
    context.transactions().run(tx -> {
      TenantService.require(tx, tenantId);
      tx.ssoSecrets().delete(tenantId);
      return null;
    });
  }

  @Override
  public SsoRecognition recognize(SsoLogin login) {
    TextRules.notNull("login", login);
    // A concurrent first login of the customer (or enrolment of the email) committed first: run again, finding it.
    return Transactions.againAfterRace(CustomerMappingService.MAX_ATTEMPTS,
        () -> context.transactions().run(tx -> recognizeIn(tx, login)),
        UniqueKey.CUSTOMER_MAPPING, UniqueKey.PARTICIPANT_EMAIL);
  }

  private SsoRecognition recognizeIn(Transaction tx, SsoLogin login) {
    long tenantId = context.tenantId();
    Instant now = context.now();
    SsoSecretRecord secrets = tx.ssoSecrets().find(tenantId).orElseThrow(() ->
        new LoyaltyException(ErrorCode.FORBIDDEN, null, "single sign-on is not enabled for the tenant"));
    if (!signedBy(secrets, login, now)) {
      throw new LoyaltyException(ErrorCode.UNAUTHENTICATED, "signature", "the login's signature is not valid");
    }
    long skew = settings.maxClockSkew().getSeconds();
    long nowSeconds = now.getEpochSecond();
    // No overflow: the clock's seconds and the skew are far from the bounds of a long.
    if (login.timestamp() < nowSeconds - skew || login.timestamp() > nowSeconds + skew) {
      throw new LoyaltyException(ErrorCode.UNAUTHENTICATED, "timestamp",
          "the login's timestamp is too far from the engine's clock");
    }
    if (login.campaignId() <= 0) {
      throw LoyaltyException.validation("campaignId", "campaignId must be positive");
    }
    String customerId = CustomerMappingService.customerId(login.customerId());
    // The empty email signs as no email, so it is no email. A control character is refused before the email is
    // stripped, so that no field of a recognised login holds a line break of the signed message.
    EmailAddresses.Email email = null;
    if (login.email() != null && !login.email().isEmpty()) {
      TextRules.checkCharacters("email", login.email());
      email = EmailAddresses.parse("email", login.email());
    }

    long campaignId = login.campaignId();
    CampaignService.require(tx, tenantId, campaignId);
    Optional<Participant> mapped = mappedParticipant(tx, tenantId, campaignId, customerId);
    if (mapped.isPresent()) {
      return new SsoRecognition(mapped.get(), false, false);
    }
    if (email == null) {
      throw LoyaltyException.notFound("participant");
    }
    Optional<Participant> byEmail = tx.participants().findByEmail(tenantId, campaignId, email.sanitized());
    if (byEmail.isPresent()) {
      // Locked, as a deletion locks it: a participant deleted meanwhile is not found here, and is enrolled anew.
      Optional<Participant> locked = tx.participants().lock(tenantId, byEmail.get().id());
      if (locked.isPresent()) {
        // A concurrent login of the customer (by this email or another) may have mapped it since the read above,
        // while this one waited for the lock: its participant, as the same login now would find.
        Optional<Participant> mappedMeanwhile = mappedParticipant(tx, tenantId, campaignId, customerId);
        if (mappedMeanwhile.isPresent()) {
          return new SsoRecognition(mappedMeanwhile.get(), false, false);
        }
        boolean mappedNow = CustomerMappingService.mapIn(context, tx, campaignId, customerId, locked.get().id())
            .created();
        return new SsoRecognition(locked.get(), false, mappedNow);
      }
    }
    Participant created = ParticipantService.enrolIn(context, tx, campaignId, email, null, null, null, null,
        Map.of());
    tx.customerMappings().insert(tenantId, new CustomerMapping(campaignId, customerId, created.id(), now));
    return new SsoRecognition(created, true, true);
  }

  /**
   * The participant the customer id is mapped to in the campaign, if any. A mapping whose participant was deleted
   * since the mapping was read (each statement reads what has committed) went with it: none, as the same login after
   * the deletion would find (then by email, or NOT_FOUND).
   */
  private static Optional<Participant> mappedParticipant(Transaction tx, long tenantId, long campaignId,
      String customerId) {
    return tx.customerMappings().find(tenantId, campaignId, customerId)
        .flatMap(mapping -> tx.participants().find(tenantId, mapping.participantId()));
  }

  /**
   * Whether the login's signature is the HMAC of its fields under the current secret, or under the previous one
   * while its grace lasts. Every live secret is tried (no early exit) and compared in constant time.
   */
  static boolean signedBy(SsoSecretRecord secrets, SsoLogin login, Instant now) {
    String presented = login.signature();
    if (presented == null || presented.length() != SIGNATURE_HEX_LENGTH || !isHex(presented)) {
      return false;
    }
    byte[] given = presented.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    boolean matched = matches(given, secrets.secret(), login);
    if (secrets.previousSecret() != null && secrets.previousSecretUntil() != null
        && now.isBefore(secrets.previousSecretUntil())) {
      matched |= matches(given, secrets.previousSecret(), login);
    }
    return matched;
  }

  private static boolean matches(byte[] given, String secret, SsoLogin login) {
    String expected = SsoSignatures.sign(secret, login.campaignId(), login.customerId(), login.email(),
        login.timestamp());
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), given);
  }

  private static boolean isHex(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }
}
