package io.loyaltyengine.sso;

/**
 * Single sign-on: the engine recognises a host's logged-in customer as a participant of a campaign, trusting only an
 * identity the host's server signed with the tenant's secret, and remembers which participant each customer is
 * ({@link io.loyaltyengine.TenantScope#customerMappings()}). Thread-safe (see {@link io.loyaltyengine.TenantScope} for
 * host transactions).
 *
 * <h2>Secret</h2>
 * A tenant has no secret until {@link #rotateSecret()} makes one; until then, and again after {@link #disable()},
 * every login is refused with FORBIDDEN ({@code "single sign-on is not enabled"}): a host configuration error, not a
 * bad login, so a host can tell the two apart. The engine keeps the secret as it is (it needs it to compute HMACs),
 * as it keeps webhook signing secrets.
 *
 * <h2>Replay</h2>
 * A signed login carries no nonce: anyone who obtains one (for example from the customer's browser) can present it
 * again until its timestamp is more than {@link SsoSettings#maxClockSkew()} old, as with webhook signatures. A replay
 * only recognises the same customer again, and with the same email enrols nobody new; keep the skew short and serve
 * logins over https only.
 */
public interface SingleSignOn {
  /**
   * Makes a new secret for the tenant and returns it, the only time it is shown. The previous secret (if any) keeps
   * verifying logins for {@link SsoSettings#rotationGrace()} of the engine that rotates, so that the host can deploy
   * the new one; rotating again within that time drops the oldest.
   *
   * @return the new secret
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant does not exist
   */
  SsoSecret rotateSecret();

  /**
   * Switches single sign-on off for the tenant: its secrets (the current one and a previous one in its grace) are
   * deleted, and every login is refused with FORBIDDEN, as before the first {@link #rotateSecret()}, on every engine
   * instance at once (the secrets are read at each login, never cached). A later {@link #rotateSecret()} starts afresh:
   * a new secret, with no previous one. The customer mappings stay. Idempotent: disabling a tenant without a secret
   * changes nothing.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant does not exist
   */
  void disable();

  /**
   * Recognises a signed login, in this order:
   * <ol>
   *   <li>FORBIDDEN if the tenant has no secret (also a tenant that does not exist);
   *   <li>UNAUTHENTICATED on {@code signature} unless the signature is the HMAC of the fields under the current
   *       secret, or under the previous one within its grace (compared in constant time; a missing or malformed
   *       signature is the same error);
   *   <li>UNAUTHENTICATED on {@code timestamp} if it is more than {@link SsoSettings#maxClockSkew()} from the
   *       engine's clock, past or future (in whole seconds: exactly the skew is accepted);
   *   <li>VALIDATION_ERROR on {@code campaignId} (not positive), {@code customerId} or {@code email} if malformed:
   *       only after the signature, so that an
   *       unsigned caller learns nothing about what the engine accepts (null fields never make the check throw);
   *   <li>the participant the customer id is mapped to in the campaign, if any ({@code created} and
   *       {@code newlyMapped} false); NOT_FOUND if the campaign is not the tenant's;
   *   <li>else, with an email, the campaign's participant with that (sanitized) email, now mapped to the customer
   *       id; CONFLICT on {@code participant} if it is mapped to another customer id;
   *   <li>else, with an email, a new participant (with PARTICIPANT_CREATED, as {@code Participants.create}) and its
   *       mapping, in one transaction;
   *   <li>else NOT_FOUND: nothing to enrol without an email.
   * </ol>
   * Messages never contain the signature, the secret, the customer id or the email. Concurrent first logins of one
   * customer (in one or several engine instances) make one participant and one mapping, and all return it.
   *
   * @param login the signed login
   * @return the participant, and whether this login enrolled or mapped it
   * @throws io.loyaltyengine.LoyaltyException as above; VALIDATION_ERROR on {@code login} if it is null
   */
  SsoRecognition recognize(SsoLogin login);
}
